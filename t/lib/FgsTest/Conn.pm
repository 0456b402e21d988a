package FgsTest::Conn;

# One client connection to a loopback port: sends exact bytes (at once or
# slowly) and reads HTTP/1.x responses with a bounded timeout, keeping
# whatever follows a response for the next read (pipelining).

use strict;
use warnings;

use Carp qw(croak);
use IO::Select;
use IO::Socket::INET;
use Time::HiRes qw(sleep time);

use FgsTest::Response;

sub new {
    my ($class, $port, %o) = @_;

    my $s = IO::Socket::INET->new(
        PeerAddr => '127.0.0.1', PeerPort => $port, Proto => 'tcp',
        Timeout => $o{timeout} // 5,
    ) or croak "connect 127.0.0.1:$port: $!";
    $s->autoflush(1);
    binmode $s;
    return bless { sock => $s, buf => '', eof => 0,
                   sel => IO::Select->new($s) }, $class;
}

sub sock { return $_[0]{sock}; }

# Writes every byte, or stops when the peer closed (returns the count).
sub send {
    my ($self, $bytes) = @_;

    local $SIG{PIPE} = 'IGNORE';
    my $off = 0;
    my $deadline = time + 60;
    while ($off < length $bytes && time < $deadline) {
        my $n = syswrite $self->{sock}, $bytes, 65536, $off;
        if (!defined $n) {
            next if $!{EINTR} || $!{EAGAIN};
            last;
        }
        $off += $n;
    }
    return $off;
}

sub send_slowly {
    my ($self, $bytes, $piece, $delay) = @_;

    my $sent = 0;
    for (my $i = 0; $i < length $bytes; $i += $piece) {
        my $n = $self->send(substr($bytes, $i, $piece));
        $sent += $n;
        last if $n < length substr($bytes, $i, $piece);
        sleep $delay if $delay;
    }
    return $sent;
}

sub shutdown_write { shutdown $_[0]{sock}, 1; }

# Reads more bytes into the buffer; false on EOF, error or timeout.
sub fill {
    my ($self, $deadline) = @_;

    return 0 if $self->{eof};
    my $left = $deadline - time;
    return 0 if $left <= 0;
    return 0 unless $self->{sel}->can_read($left);
    my $n = sysread $self->{sock}, $self->{buf}, 1 << 20, length $self->{buf};
    if (!$n) {
        $self->{eof} = 1;
        $self->{error} = $! unless defined $n;
        return 0;
    }
    return 1;
}

# Reads one response.  head => the request was HEAD; interim => return a
# 1xx response instead of skipping it.  The result is incomplete
# ($r->complete false) when the timeout or EOF came first.
sub read_response {
    my ($self, %o) = @_;

    my $deadline = time + ($o{timeout} // 10);
    my @interim;

    for (;;) {
        my $end;
        while (($end = index($self->{buf}, "\r\n\r\n")) < 0) {
            unless ($self->fill($deadline)) {
                return FgsTest::Response->incomplete($self->{buf},
                    $self->{eof} ? 'connection closed' : 'timeout',
                    \@interim);
            }
        }

        my $head = substr($self->{buf}, 0, $end + 4, '');
        my $r = FgsTest::Response->parse_head($head);
        return FgsTest::Response->incomplete($head, 'bad status line',
                                             \@interim) unless $r;

        if ($r->status >= 100 && $r->status < 200) {
            return $r->done if $o{interim};
            push @interim, $r;
            next;
        }
        $r->{interim} = \@interim;

        if ($o{head} || $r->status == 204 || $r->status == 304) {
            return $r->done;
        }

        my $te = $r->header('transfer-encoding');
        my $cl = $r->header('content-length');

        if (defined $te && $te =~ /chunked/i) {
            return $self->read_chunked($r, $deadline);
        }
        if (defined $cl) {
            while (length $self->{buf} < $cl) {
                last unless $self->fill($deadline);
            }
            if (length $self->{buf} < $cl) {
                $r->{body} = substr($self->{buf}, 0, length $self->{buf}, '');
                return $r->fail('body shorter than Content-Length');
            }
            $r->{body} = substr($self->{buf}, 0, $cl, '');
            return $r->done;
        }

        # no length: the body ends when the connection does
        1 while $self->fill($deadline);
        $r->{body} = substr($self->{buf}, 0, length $self->{buf}, '');
        return $self->{eof} ? $r->done : $r->fail('timeout');
    }
}

sub read_chunked {
    my ($self, $r, $deadline) = @_;

    my $body = '';
    for (;;) {
        my $eol;
        while (($eol = index($self->{buf}, "\r\n")) < 0) {
            return $r->fail('chunked body cut', $body)
                unless $self->fill($deadline);
        }
        my $line = substr($self->{buf}, 0, $eol + 2, '');
        return $r->fail("bad chunk size line: $line", $body)
            unless $line =~ /^([0-9A-Fa-f]+)[ \t]*(;[^\r\n]*)?\r\n$/;
        my $size = hex $1;

        if ($size == 0) {
            # trailers, then the empty line
            for (;;) {
                my $e;
                while (($e = index($self->{buf}, "\r\n")) < 0) {
                    return $r->fail('chunked trailer cut', $body)
                        unless $self->fill($deadline);
                }
                my $t = substr($self->{buf}, 0, $e + 2, '');
                last if $t eq "\r\n";
            }
            $r->{body} = $body;
            $r->{chunked} = 1;
            return $r->done;
        }

        while (length $self->{buf} < $size + 2) {
            return $r->fail('chunk cut', $body)
                unless $self->fill($deadline);
        }
        $body .= substr($self->{buf}, 0, $size, '');
        return $r->fail('no CRLF after a chunk', $body)
            unless substr($self->{buf}, 0, 2, '') eq "\r\n";
    }
}

# Reads until the peer closes (bounded); true when it closed.
sub wait_closed {
    my ($self, $timeout) = @_;

    my $deadline = time + ($timeout // 5);
    1 while $self->fill($deadline);
    return $self->{eof};
}

sub close {
    my ($self) = @_;
    close $self->{sock} if $self->{sock};
    delete $self->{sock};
}

1;
