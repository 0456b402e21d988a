#!/usr/bin/perl
# Sends the correctness corpus (bench/corpus/*.case) through one gateway
# variant in front of echo-upstream.pl and says, case by case, whether the
# variant decided as expected.
#
#   corpus-run.pl --variant NAME --port PORT --echo DIR --bodies DIR \
#                 CASE...
#
# Prints one tab-separated line per case:
#   variant case expected observed status decision-header ok note
# where observed is "forward" (the upstream got the body unchanged),
# "rewrite" (it got the body with the policy's KMS key added and nothing
# else changed), "rewrite-bad" (anything else), "deny" (nothing reached
# the upstream and the client got 4xx/5xx) or "none" (neither).
#
# A case file is "key: value" lines, a blank line and the body (or
# body-file: NAME, a file in --bodies).  Keys: expect (allow, audit,
# rewrite, deny), method, function (the function whose URN the path
# names), op (code or config), target (the raw request target instead;
# @PROJECT@ and @URN@ are replaced), content-type ("none" for none),
# header (repeatable), chunked (yes), bom (yes: a UTF-8 BOM first).

use strict;
use warnings;
use Getopt::Long;
use IO::Socket::INET;
use JSON::PP;

my $KMS_KEY = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
my $PROJECT = '0123456789abcdef0123456789abcdef';

my ($variant, $port, $echo, $bodies) = ('', 0, '', '');
GetOptions('variant=s' => \$variant, 'port=i' => \$port,
           'echo=s' => \$echo, 'bodies=s' => \$bodies)
    and $port and $echo and @ARGV
    or die "usage: $0 --variant NAME --port PORT --echo DIR --bodies DIR "
         . "CASE...\n";

$| = 1;

for my $file (@ARGV) {
    my $case = load_case($file);
    my ($status, $decision) = send_case($case);
    my ($observed, $note) = observe($case, $status);
    my ($ok, $why) = judge($case->{expect}, $observed, $status, $decision);
    $note = join('; ', grep { length } $why, $note);
    print join("\t", $variant, $case->{name}, $case->{expect}, $observed,
               $status, $decision // '-', $ok ? 'ok' : 'FAIL',
               $note || '-'), "\n";
}

sub load_case {
    my ($file) = @_;
    open(my $f, '<:raw', $file) or die "$file: $!\n";
    local $/;
    my $text = <$f>;
    my ($head, $body) = split(/\n\n/, $text, 2);
    my %c = (headers => [], method => 'PUT', op => 'config',
             'content-type' => 'application/json');
    ($c{name} = $file) =~ s{^.*/|\.case$}{}g;
    for my $line (split /\n/, $head) {
        next if $line =~ /^\s*(#|$)/;
        my ($k, $v) = $line =~ /^([\w-]+):\s*(.*?)\s*$/
            or die "$file: bad line: $line\n";
        if ($k eq 'header') {
            push @{$c{headers}}, $v;
        } else {
            $c{$k} = $v;
        }
    }
    die "$file: no expect\n"
        unless ($c{expect} // '') =~ /^(allow|audit|rewrite|deny)$/;
    if (defined $c{'body-file'}) {
        open(my $b, '<:raw', "$bodies/$c{'body-file'}")
            or die "$bodies/$c{'body-file'}: $!\n";
        $body = <$b>;
    }
    $body //= '';
    $body = "\xEF\xBB\xBF$body" if ($c{bom} // '') eq 'yes';
    $c{body} = $body;

    my $urn = "urn:fss:cn-north-4:$PROJECT:function:default:"
        . ($c{function} // 'prod-orders') . ':latest';
    $c{target} //= "/v2/\@PROJECT\@/fgs/functions/\@URN\@/$c{op}";
    $c{target} =~ s/\@PROJECT\@/$PROJECT/g;
    $c{target} =~ s/\@URN\@/$urn/g;
    return \%c;
}

sub send_case {
    my ($c) = @_;
    unlink("$echo/last.head", "$echo/last.body");

    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 30)
        or die "connect 127.0.0.1:$port: $!\n";
    my $req = "$c->{method} $c->{target} HTTP/1.1\r\n"
        . "Host: functiongraph.cn-north-4.myhuaweicloud.com\r\n"
        . "X-Auth-Token: bench-token\r\nConnection: close\r\n";
    $req .= "Content-Type: $c->{'content-type'}\r\n"
        if $c->{'content-type'} ne 'none';
    $req .= "$_\r\n" for @{$c->{headers}};

    my $body = $c->{body};
    if (($c->{chunked} // '') eq 'yes') {
        $req .= "Transfer-Encoding: chunked\r\n\r\n";
        for (my $i = 0; $i < length $body; $i += 300) {
            my $part = substr($body, $i, 300);
            $req .= sprintf("%x\r\n%s\r\n", length $part, $part);
        }
        $req .= "0\r\n\r\n";
    } elsif (length $body || $c->{method} =~ /^(PUT|POST)$/) {
        $req .= 'Content-Length: ' . length($body) . "\r\n\r\n$body";
    } else {
        $req .= "\r\n";
    }

    # a rejecting gateway may answer and close before reading it all
    local $SIG{PIPE} = 'IGNORE';
    for (my $off = 0; $off < length $req; ) {
        my $n = syswrite($s, $req, 1 << 20, $off);
        last unless $n;
        $off += $n;
    }

    my $resp = '';
    while (sysread($s, $resp, 1 << 16, length $resp)) { }
    close $s;

    my ($status) = $resp =~ m{^HTTP/1\.[01] (\d{3})};
    my ($decision) = $resp =~ /^X-Fgs-Policy-Decision:\s*(\S+)/mi;
    return ($status // 0, $decision);
}

sub slurp {
    my ($path) = @_;
    open(my $f, '<:raw', $path) or return undef;
    local $/;
    return <$f>;
}

sub observe {
    my ($c, $status) = @_;
    my $head = slurp("$echo/last.head");

    if (!defined $head) {
        return ($status >= 400 ? 'deny' : 'none', '');
    }

    my $got = slurp("$echo/last.body") // '';
    my $sent = $c->{body};
    return ('forward', '') if $got eq $sent;
    return ('forward', '') if $c->{method} !~ /^(PUT|POST)$/;

    # a rewrite must add exactly the KMS key; strings of 64 KB and more (the zip) are
    # compared as bytes and then left out of the JSON comparison
    if ($sent =~ /"([A-Za-z0-9+\/=]{65534,})"/) {
        my $big = $1;
        my $i = index($got, $big);
        return ('rewrite-bad', 'the code archive changed') if $i < 0;
        substr($got, $i, length $big, 'BIG');
        substr($sent, index($sent, $big), length $big, 'BIG');
    }

    my $json = JSON::PP->new->allow_nonref;
    my $want = eval { $json->decode($sent) };
    my $have = eval { $json->decode($got) };
    return ('rewrite-bad', 'forwarded body is not JSON') unless ref $have;
    return ('rewrite-bad', 'sent body is not JSON') unless ref $want eq 'HASH';
    $want->{code_encrypt_kms_key_id} //= $KMS_KEY;
    my $canon = JSON::PP->new->canonical;
    return ('rewrite', '') if $canon->encode($want) eq $canon->encode($have);
    return ('rewrite-bad', 'forwarded body differs beyond the KMS key');
}

sub judge {
    my ($expect, $observed, $status, $decision) = @_;
    my %class = (allow => 'forward', audit => 'forward',
                 rewrite => 'rewrite', deny => 'deny');

    if ($observed ne $class{$expect}) {
        return (0, "expected $class{$expect}");
    }
    if ($observed ne 'deny' && $status != 200) {
        return (0, "status $status");
    }
    if (defined $decision) {
        my $want = $expect eq 'deny' ? qr/^(deny|error)$/ : qr/^\Q$expect\E$/;
        return (0, "decision header says $decision")
            unless $decision =~ $want;
    }
    return (1, '');
}
