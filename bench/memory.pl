#!/usr/bin/perl

# What a governed request costs the worker while it is held after its
# decision (docs/performance.md, "Memory"): for key-dense, value-dense and
# deeply nested /config bodies, allowed and refused, over HTTP/1.1 and
# HTTP/2, the worker's VmRSS (/proc/PID/status) is read before and after N
# requests that stay open, and the growth per request is set against the
# body.
#
#   bench/memory.pl [N]          prints the table (default N = 40)
#   bench/memory.pl --results    also rewrites its section of
#                                bench/RESULTS.md
#
# Held over HTTP/2: one connection whose SETTINGS give every stream a
# window of 0 (t/lib/FgsH2.pm), so the answer, allowed or refused, cannot
# be sent and the stream stays open until send_timeout.  Over HTTP/1.1:
# an allowed request is held by an upstream that accepts and never
# answers; a refused one is answered at once (its small JSON error fits
# the socket's buffer) and is not held, so it has no row.  Each row runs
# its own nginx (one worker), warmed with two requests of the same body
# first, so that what the worker keeps for the next request (free arena
# blocks) is in the "before" figure; glibc's malloc is told to give freed
# memory back at once (GLIBC_TUNABLES), so that VmRSS does not count what
# the heap kept.  The
# body is read into memory (client_body_buffer_size 2m): it is part of
# what a held request holds, and the target is at most 2x the body plus
# a few KB.

use strict;
use warnings;

use FindBin;
use lib "$FindBin::Bin/../t/lib";

use IO::Socket::INET;
use Time::HiRes qw(sleep time);

use FgsTest;
use FgsH2;

my $write = grep { $_ eq '--results' } @ARGV;
my ($N) = grep { /^\d+$/ } @ARGV;
$N //= 40;

my $P = PROJECT;

# Freed memory is given back at once, so that VmRSS counts what is held
# and not what the heap kept from the requests before: every allocation
# from 32 KB on is a mapping of its own (nginx's workers are forked from
# the master and keep its malloc settings).
$ENV{GLIBC_TUNABLES} = 'glibc.malloc.mmap_threshold=32768:'
                       . 'glibc.malloc.trim_threshold=32768';

sub head {
    return (func_name => 'fn-mem', runtime => 'Python3.12',
            handler => 'index.handler', memory_size => 512, timeout => 30);
}

sub obj {
    my (%f) = @_;
    return canonical_json({ head(), %f });
}

# the shapes: name => [allowed body, body refused by the API reference's
# check, body refused at the scan].  A body may hold a value per 16 bytes
# (docs/policy-language.md, "What a governed body must be"): the first two
# have that many or fewer, the third more, and the scan refuses it before
# the check.
my %shape = (
    'key-dense' => [
        obj(lts_custom_tag => { map { (sprintf("k%05d", $_) =>
                                       sprintf("v%05d", $_)) }
                                1 .. 65_000 }),
        '{' . join(',', '"func_name":"fn-mem"',
                   map { sprintf('"unknown_%05d":1', $_) } 1 .. 65_000)
        . '}',
        '{' . join(',', '"func_name":"fn-mem"',
                   map { sprintf('"k%05d":1', $_) } 1 .. 65_000) . '}',
    ],
    'value-dense' => [
        obj(func_vpc => { vpc_id => 'vpc-1', subnet_id => 's-1',
                          security_groups => [ map { sprintf('sg-%011d', $_) }
                                               1 .. 65_000 ] }),
        '{"func_name":"fn-mem","func_vpc":{"vpc_id":"v","subnet_id":"s",'
        . '"security_groups":[' . join(',', (' ' x 15 . '1') x 65_000)
        . ']}}',
        '{"func_name":"fn-mem","func_vpc":{"vpc_id":"v","subnet_id":"s",'
        . '"security_groups":[' . join(',', (1) x 65_000) . ']}}',
    ],
    'nested' => [
        undef,
        '{"func_name":"fn-mem","x":['
        . join(',', (('[' x 60) . (']' x 60) . (' ' x 840)) x 1_000)
        . ']}',
        '{"func_name":"fn-mem","x":['
        . join(',', (('[' x 60) . (']' x 60)) x 1_000) . ']}',
    ],
);
my %verdict = (allowed => 0, refused => 1, 'refused at the scan' => 2);

sub rss_kb {
    my ($pid) = @_;

    open my $fh, '<', "/proc/$pid/status" or return undef;
    while (<$fh>) {
        return $1 if /^VmRSS:\s+(\d+) kB/;
    }
    return undef;
}

# an upstream that accepts and never answers
sub blackhole {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 512, ReuseAddr => 1)
        or die "listen: $!";
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my @keep;
        local $SIG{TERM} = sub { exit 0 };
        for ( ;; ) {
            my $c = $s->accept or next;
            push @keep, $c;
        }
    }
    my $port = $s->sockport;
    close $s;
    return ($pid, $port);
}

sub gateway {
    my $h2 = FgsTest::free_port();
    my $t = FgsTest->new(
        vars => { H2PORT => $h2 },
        log_level => 'warn',
        http => 'http2_max_concurrent_streams 128;',
        server => <<'CONF');
    listen 127.0.0.1:%%H2PORT%% http2;
    fgs_policy %%DATA%%/policy-plain.json;
    fgs_policy_max_body_size 2m;
    client_max_body_size 2m;
    client_body_buffer_size 2m;
    send_timeout 60s;
    proxy_read_timeout 60s;
    location / {
        %%PROXY%%
    }
CONF
    return ($t, $h2);
}

sub measure {
    my ($shape, $verdict, $proto) = @_;

    my $body = $shape{$shape}[$verdict{$verdict}] // return;
    my ($hole, $hole_port);
    ($hole, $hole_port) = blackhole() if $proto eq 'HTTP/1.1';

    my ($t, $h2port) = gateway();
    if ($hole_port) {
        # the allowed requests go to the silent upstream
        $t->{server} =~ s/%%PROXY%%/proxy_pass http:\/\/127.0.0.1:$hole_port;/;
    }
    $t->start;
    $t->seed_functions(urn('fn-mem'));

    my ($worker) = $t->worker_pids;
    my $path = config_path('fn-mem');
    my @hdr = ('content-type' => 'application/json',
               'x-auth-token' => 'MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTAL');

    # warm: two requests of the same body (over HTTP/1.1 to the silent
    # upstream they stay held, and count in both figures)
    my @warm;
    for (1 .. 2) {
        if ($hole_port) {
            my $c = $t->connect;
            $c->send(build_request(method => 'PUT', target => $path,
                                   host => '127.0.0.1', body => $body,
                                   headers => [@hdr]));
            push @warm, $c;
        } else {
            $t->json_put($path, $body, { timeout => 30 });
        }
    }
    sleep 1;

    my $before = rss_kb($worker);
    my (@conns, $st, $decided);

    if ($proto eq 'HTTP/2') {
        my $c = FgsH2->new($h2port, window => 0);
        my @ids = map { $c->request('PUT', $path, \@hdr, $body) } 1 .. $N;
        $decided = 0;
        for my $id (@ids) {
            $st = $c->wait_headers($id, 30);
            $decided++ if defined $st;
        }
        push @conns, $c;

    } else {
        for (1 .. $N) {
            my $c = $t->connect;
            $c->send(build_request(method => 'PUT', target => $path,
                                   host => '127.0.0.1', body => $body,
                                   headers => [@hdr]));
            push @conns, $c;
        }
        # decided once the upstream has the connection: wait for them
        my $end = time + 60;
        $decided = 0;
        while (time < $end) {
            my $n = () = grep { /\b$hole_port\b/ }
                         `ss -tn state established 2>/dev/null`;
            $decided = $n;
            last if $n >= 2 * ($N + 2);
            sleep 0.2;
        }
        $decided = int($decided / 2) - 2;
        $st = 'held';
    }

    sleep 0.5;
    my $after = rss_kb($worker);

    $_->close for @conns, @warm;
    $t->stop;
    if ($hole) {
        kill 'TERM', $hole;
        waitpid $hole, 0;
    }

    my $per = ($after - $before) * 1024 / $N;
    return { shape => $shape, verdict => $verdict, proto => $proto,
             status => $st // '?', body => length $body, n => $N,
             decided => $decided, before => $before, after => $after,
             per => $per, ratio => $per / length $body };
}

my @rows;
for my $proto ('HTTP/1.1', 'HTTP/2') {
    for my $shape ('key-dense', 'value-dense', 'nested') {
        for my $verdict ('allowed', 'refused', 'refused at the scan') {
            next if $proto eq 'HTTP/1.1' && $verdict ne 'allowed';
            my $r = measure($shape, $verdict, $proto) or next;
            push @rows, $r;
            printf STDERR "%-8s %-11s %-19s %s body %7d: "
                          . "%6.0f KB -> %6.0f KB,"
                          . " %8.0f bytes per request, %.2fx the body\n",
                $proto, $shape, $verdict, $r->{status}, $r->{body},
                $r->{before}, $r->{after}, $r->{per}, $r->{ratio};
        }
    }
}

my $date = `date -u '+%Y-%m-%d %H:%M UTC'`;
chomp $date;

my $md = "<!-- memory:start (bench/memory.pl writes this part) -->\n"
    . "## Memory per held request\n\n"
    . "From `bench/memory.pl $N` on $date: the worker's VmRSS before and "
    . "after $N requests held open after their decision, one nginx worker "
    . "per row, bodies in memory (client_body_buffer_size 2m). "
    . "Target: at most 2x the body plus a few KB.\n\n"
    . "| protocol | body | decision | answer | body bytes | held | VmRSS "
    . "before | VmRSS after | per request | per request / body | |\n"
    . "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";

for my $r (@rows) {
    $md .= sprintf("| %s | %s | %s | %s | %d | %d | %d KB | %d KB | %.0f KB "
                   . "| %.2fx | %s |\n",
                   $r->{proto}, $r->{shape}, $r->{verdict}, $r->{status},
                   $r->{body}, $r->{decided}, $r->{before}, $r->{after},
                   $r->{per} / 1024, $r->{ratio},
                   $r->{per} <= 2 * $r->{body} + 16 * 1024 ? 'met'
                                                          : '**missed**');
}
$md .= "<!-- memory:end -->\n";

print $md;

if ($write) {
    my $file = "$FindBin::Bin/RESULTS.md";
    my $old = -e $file ? FgsTest::slurp($file) : '';
    if ($old =~ /<!-- memory:start/) {
        $old =~ s/<!-- memory:start.*?<!-- memory:end -->\n/$md/s;
    } else {
        $old .= "\n" . $md;
    }
    FgsTest::spew($file, $old);
}
