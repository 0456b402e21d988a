package FgsTest::Response;

# One parsed HTTP response: status, headers (case-insensitive, repeated
# ones kept), body, and whether it arrived complete.

use strict;
use warnings;

use JSON::PP;

sub parse_head {
    my ($class, $head) = @_;

    my @lines = split /\r\n/, $head;
    my $sl = shift @lines // '';
    return undef unless $sl =~ m{^HTTP/(\d\.\d) (\d{3})(?: (.*))?$};

    my $self = bless { version => $1, status => $2 + 0, reason => $3 // '',
                       head => $head, headers => {}, header_list => [],
                       body => '', complete => 0 }, $class;
    for my $l (@lines) {
        next unless $l =~ /^([^:\s]+):[ \t]*(.*?)[ \t]*$/;
        push @{ $self->{headers}{ lc $1 } }, $2;
        push @{ $self->{header_list} }, [$1, $2];
    }
    return $self;
}

sub incomplete {
    my ($class, $bytes, $why, $interim) = @_;
    return bless { status => 0, reason => '', head => $bytes, headers => {},
                   header_list => [], body => '', complete => 0,
                   error => $why, interim => $interim // [] }, $class;
}

sub done { $_[0]{complete} = 1; return $_[0]; }

sub fail {
    my ($self, $why, $body) = @_;
    $self->{error} = $why;
    $self->{body} = $body if defined $body;
    $self->{complete} = 0;
    return $self;
}

sub status   { return $_[0]{status}; }
sub body     { return $_[0]{body}; }
sub complete { return $_[0]{complete}; }
sub error    { return $_[0]{error}; }
sub interim  { return @{ $_[0]{interim} // [] }; }
sub chunked  { return $_[0]{chunked}; }

# The header's value (repeated headers joined with ", "), or undef.
sub header {
    my ($self, $name) = @_;
    my $v = $self->{headers}{ lc $name };
    return $v ? join(', ', @$v) : undef;
}

sub headers {
    my ($self, $name) = @_;
    return @{ $self->{headers}{ lc $name } // [] };
}

sub json {
    my ($self) = @_;
    return eval { JSON::PP->new->utf8->decode($self->{body}) };
}

sub summary {
    my ($self) = @_;
    my $s = $self->{complete} ? '' : '(incomplete: '
            . ($self->{error} // '?') . ') ';
    my $b = $self->{body} // '';
    $b = substr($b, 0, 400) . '...' if length $b > 400;
    return $s . ($self->{head} // '') . $b;
}

1;
