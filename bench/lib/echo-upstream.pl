#!/usr/bin/perl
# The upstream of the correctness corpus: answers every request with a
# FunctionGraph-style 200 and keeps what it received, so that the corpus
# runner can tell a forwarded body from a rewritten one and a forwarded
# request from a rejected one.
#
#   echo-upstream.pl PORT DIR
#
# For each request it writes DIR/last.head (request line and headers) and
# DIR/last.body (the exact body bytes) before answering.  One process per
# connection; keepalive connections are served until the peer closes.

use strict;
use warnings;
use IO::Socket::INET;
use POSIX ();

my ($port, $dir) = @ARGV;
die "usage: $0 PORT DIR\n" unless $port && $dir;

my $server = IO::Socket::INET->new(
    LocalAddr => '127.0.0.1', LocalPort => $port, Proto => 'tcp',
    Listen => 64, ReuseAddr => 1) or die "listen 127.0.0.1:$port: $!\n";

$SIG{CHLD} = sub { 1 while waitpid(-1, POSIX::WNOHANG()) > 0 };
$SIG{TERM} = sub { exit 0 };

my $answer = '{"func_urn":"urn:fss:cn-north-4:'
    . '7aad83af3e8d42e99ac194e8419e2c9b:function:default:prod-orders:latest",'
    . '"func_name":"prod-orders","runtime":"Python3.12","code_type":"zip",'
    . '"status":0,"strategy_config":{"concurrency":-1}}';

print "listening on 127.0.0.1:$port\n";
$| = 1;

while (1) {
    my $c = $server->accept or next;
    my $pid = fork;
    if (!defined $pid) {
        close $c;
        next;
    }
    if ($pid == 0) {
        close $server;
        serve($c);
        exit 0;
    }
    close $c;
}

sub read_more {
    my ($c, $buf) = @_;
    my $n = sysread($c, $$buf, 1 << 20, length $$buf);
    return $n;
}

sub serve {
    my ($c) = @_;
    my $buf = '';

    while (1) {
        my $end;
        while (($end = index($buf, "\r\n\r\n")) < 0) {
            return unless read_more($c, \$buf);
        }
        my $head = substr($buf, 0, $end + 4, '');
        my $body = '';

        if ($head =~ /^transfer-encoding:\s*chunked/im) {
            while (1) {
                my $eol;
                while (($eol = index($buf, "\r\n")) < 0) {
                    return unless read_more($c, \$buf);
                }
                my $size = hex(substr($buf, 0, $eol));
                while (length($buf) < $eol + 2 + $size + 2) {
                    return unless read_more($c, \$buf);
                }
                $body .= substr($buf, $eol + 2, $size);
                substr($buf, 0, $eol + 2 + $size + 2, '');
                last if $size == 0;
            }

        } elsif ($head =~ /^content-length:\s*(\d+)/im) {
            my $len = $1;
            while (length($buf) < $len) {
                return unless read_more($c, \$buf);
            }
            $body = substr($buf, 0, $len, '');
        }

        keep("$dir/last.body", $body);
        keep("$dir/last.head", $head);

        my $close = $head =~ /^connection:\s*close/im;
        my $out = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            . 'Content-Length: ' . length($answer) . "\r\n"
            . ($close ? "Connection: close\r\n" : '') . "\r\n" . $answer;
        syswrite($c, $out) // return;
        return if $close;
    }
}

sub keep {
    my ($path, $data) = @_;
    open(my $f, '>:raw', "$path.tmp") or die "$path.tmp: $!\n";
    print $f $data;
    close $f;
    rename("$path.tmp", $path) or die "$path: $!\n";
}
