package FgsH2;

# A minimal HTTP/2 client over a raw loopback socket, prior knowledge
# (h2c), written frame by frame: enough to send governed requests whose
# responses the client never lets in.  Its SETTINGS give every stream an
# initial window of 0, so the server can send HEADERS but no DATA: each
# request stays open in nginx, decided and with its response pending,
# until send_timeout.  That is how an attacker holds requests on one
# connection (docs/performance.md, "Memory"), and how t/73-memory.t and
# bench/memory.pl measure what a held request costs.
#
#   my $h2 = FgsH2->new($port, window => 0);
#   my $id = $h2->request('PUT', $path, \@headers, $body);
#   $h2->wait_headers($id, 10);     # the status, once decided
#   $h2->close;
#
# Header blocks are HPACK literals without indexing and without Huffman
# coding (RFC 7541, 6.2.2), which every decoder must accept.

use strict;
use warnings;

use IO::Socket::INET;
use IO::Select;
use Time::HiRes qw(time);

use constant {
    DATA          => 0x0,
    HEADERS       => 0x1,
    RST_STREAM    => 0x3,
    SETTINGS      => 0x4,
    PING          => 0x6,
    GOAWAY        => 0x7,
    WINDOW_UPDATE => 0x8,
    CONTINUATION  => 0x9,
};

use constant {
    END_STREAM  => 0x1,
    ACK         => 0x1,
    END_HEADERS => 0x4,
};

use constant MAX_FRAME => 16384;

sub new {
    my ($class, $port, %o) = @_;

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 5)
        or die "connect 127.0.0.1:$port: $!";
    binmode $s;

    my $self = bless {
        s         => $s,
        buf       => '',
        next_id   => 1,
        conn_win  => 65535,     # what we may still send on the connection
        init_win  => 65535,     # the server's initial stream window
        win       => {},        # stream id => what we may still send
        status    => {},        # stream id => :status, once seen
        closed    => {},        # stream id => reset or ended by the server
        goaway    => 0,
    }, $class;

    # the preface; SETTINGS_INITIAL_WINDOW_SIZE (4) = window, and a large
    # frame size is not asked for
    my $win = $o{window} // 0;
    $self->_send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
    $self->_frame(SETTINGS, 0, 0, pack('nN', 4, $win));

    return $self;
}

sub _send {
    my ($self, $bytes) = @_;

    my $off = 0;
    while ($off < length $bytes) {
        my $n = syswrite($self->{s}, $bytes, length($bytes) - $off, $off);
        die "send: $!" unless defined $n;
        $off += $n;
    }
}

sub _frame {
    my ($self, $type, $flags, $id, $payload) = @_;

    my $len = length $payload;
    $self->_send(pack('CnCCN', $len >> 16, $len & 0xffff, $type, $flags,
                      $id & 0x7fffffff) . $payload);
}

sub _int {
    my ($n, $bits) = @_;

    my $max = (1 << $bits) - 1;
    return chr($n) if $n < $max;
    my $s = chr($max);
    $n -= $max;
    while ($n >= 128) {
        $s .= chr(($n & 0x7f) | 0x80);
        $n >>= 7;
    }
    return $s . chr($n);
}

sub _literal {
    my ($name, $value) = @_;

    # literal header field without indexing, new name (0000 0000)
    return "\x00" . _int(length $name, 7) . $name
           . _int(length $value, 7) . $value;
}

# Reads what the server sent, for up to $timeout seconds (0: what is
# there), and handles it: SETTINGS (acknowledged), WINDOW_UPDATE, PING,
# HEADERS (the status), RST_STREAM, GOAWAY.  DATA is not expected (the
# window is 0).
sub pump {
    my ($self, $timeout) = @_;

    my $sel = IO::Select->new($self->{s});
    my $end = time + ($timeout // 0);

    for ( ;; ) {
        my $left = $end - time;
        $left = 0 if $left < 0;
        last unless $sel->can_read($left);

        my $n = sysread($self->{s}, my $chunk, 65536);
        if (!$n) {
            $self->{eof} = 1;
            last;
        }
        $self->{buf} .= $chunk;
        $self->_frames;
        last if $left == 0;
    }
}

sub _frames {
    my ($self) = @_;

    while (length $self->{buf} >= 9) {
        my ($l1, $l2, $type, $flags, $id) = unpack('CnCCN', $self->{buf});
        my $len = ($l1 << 16) | $l2;
        last if length $self->{buf} < 9 + $len;
        my $p = substr($self->{buf}, 9, $len);
        substr($self->{buf}, 0, 9 + $len) = '';
        $id &= 0x7fffffff;

        if ($type == SETTINGS && !($flags & ACK)) {
            for (my $i = 0; $i + 6 <= length $p; $i += 6) {
                my ($k, $v) = unpack('nN', substr($p, $i, 6));
                if ($k == 4) {
                    my $d = $v - $self->{init_win};
                    $self->{win}{$_} += $d for keys %{ $self->{win} };
                    $self->{init_win} = $v;
                }
            }
            $self->_frame(SETTINGS, ACK, 0, '');

        } elsif ($type == WINDOW_UPDATE) {
            my $inc = unpack('N', $p) & 0x7fffffff;
            if ($id == 0) {
                $self->{conn_win} += $inc;
            } else {
                $self->{win}{$id} += $inc;
            }

        } elsif ($type == PING && !($flags & ACK)) {
            $self->_frame(PING, ACK, 0, $p);

        } elsif ($type == HEADERS) {
            # the status is the first field: ":status" from the static
            # table (0x88 .. 0x8e) or a literal with an indexed name
            my $pad = 0;
            if ($flags & 0x8) {
                $pad = ord substr($p, 0, 1);
                $p = substr($p, 1);
            }
            $p = substr($p, 5) if $flags & 0x20;
            $self->{status}{$id} = _status($p);
            $self->{closed}{$id} = 1 if $flags & END_STREAM;

        } elsif ($type == RST_STREAM) {
            $self->{closed}{$id} = 'reset';

        } elsif ($type == GOAWAY) {
            $self->{goaway} = 1;
        }
    }
}

sub _status {
    my ($p) = @_;

    my $b = ord substr($p, 0, 1);
    my %static = (8 => 200, 9 => 204, 10 => 206, 11 => 304, 12 => 400,
                  13 => 404, 14 => 500);
    return $static{$b & 0x7f} if ($b & 0x80) && $static{$b & 0x7f};

    # literal with an indexed name (any of the :status entries, 8-14),
    # the value's length in 7 bits, not Huffman coded
    if (($b & 0xc0) == 0x40 || ($b & 0xf0) == 0x00 || ($b & 0xf0) == 0x10) {
        my $l = ord substr($p, 1, 1);
        return substr($p, 2, $l & 0x7f) unless $l & 0x80;
        return '?';
    }
    return '?';
}

# Sends one request on a new stream, its body as the server's windows
# allow (reading WINDOW_UPDATEs in between, for up to $timeout s in all);
# returns the stream id.
sub request {
    my ($self, $method, $path, $headers, $body, %o) = @_;

    my $id = $self->{next_id};
    $self->{next_id} += 2;
    $self->{win}{$id} = $self->{init_win};

    my $block = _literal(':method', $method) . _literal(':scheme', 'http')
                . _literal(':path', $path)
                . _literal(':authority', $o{authority} // '127.0.0.1');
    my @h = @{ $headers // [] };
    for (my $i = 0; $i < @h; $i += 2) {
        $block .= _literal(lc $h[$i], $h[$i + 1]);
    }
    $block .= _literal('content-length', length $body) if defined $body;

    die "header block too large" if length $block > MAX_FRAME;
    $self->_frame(HEADERS, END_HEADERS | (defined $body ? 0 : END_STREAM),
                  $id, $block);

    return $id unless defined $body;

    my $off = 0;
    my $end = time + ($o{timeout} // 30);
    while ($off < length $body) {
        my $can = $self->{conn_win};
        $can = $self->{win}{$id} if $self->{win}{$id} < $can;
        $can = MAX_FRAME if $can > MAX_FRAME;

        if ($can <= 0 || $self->{closed}{$id}) {
            die "stream $id: no window for the body in time" if time > $end;
            last if $self->{closed}{$id} || $self->{eof};
            $self->pump(0.2);
            next;
        }

        my $n = length($body) - $off;
        $n = $can if $n > $can;
        my $last = ($off + $n == length $body) ? END_STREAM : 0;
        $self->_frame(DATA, $last, $id, substr($body, $off, $n));
        $off += $n;
        $self->{conn_win} -= $n;
        $self->{win}{$id} -= $n;
        $self->pump(0);
    }

    return $id;
}

# Waits (bounded) until the server has sent the response head of $id, or
# closed it; returns the status or undef.
sub wait_headers {
    my ($self, $id, $timeout) = @_;

    my $end = time + ($timeout // 10);
    until (defined $self->{status}{$id} || $self->{closed}{$id}
           || $self->{eof} || time > $end)
    {
        $self->pump(0.1);
    }
    return $self->{status}{$id};
}

sub status { return $_[0]{status}{$_[1]}; }
sub eof    { return $_[0]{eof}; }

sub close {
    my ($self) = @_;

    close $self->{s} if $self->{s};
    $self->{s} = undef;
}

1;
