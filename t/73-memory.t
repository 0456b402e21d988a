# What a decided request holds (docs/performance.md, "Memory"): the scan's
# tape, key tables and copies go when the request is decided, allowed or
# refused, so that requests held open afterwards cost about their body each.
# An HTTP/2 connection whose SETTINGS give every stream a window of 0 holds
# its streams open (t/lib/FgsH2.pm); the worker's VmRSS before and after is
# read from /proc.  Key-dense, value-dense and nested bodies, allowed and
# refused.  Before this bound, such bodies cost 13 to 48 times their size
# each.
#
# A body may hold a value per 16 bytes (docs/policy-language.md, "What a
# governed body must be"): the dense bodies that reach the API reference's
# check have that many, and the denser ones are refused by the scan, which
# costs no more than the others.
#
# Under a sanitizer or valgrind the allocator is not glibc's and VmRSS
# says nothing of the module: the requests are still sent and answered,
# and only the bound is not asserted.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep time);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;
use FgsH2;

my $exact = !$ENV{FGS_NGINX_PRELOAD} && !$ENV{FGS_NGINX_PREFIX_CMD};

# freed memory goes back at once: VmRSS then counts what is held
# (bench/memory.pl does the same)
$ENV{GLIBC_TUNABLES} = 'glibc.malloc.mmap_threshold=32768:'
                       . 'glibc.malloc.trim_threshold=32768';

my $h2port = FgsTest::free_port();
my $t = FgsTest->new(
    vars => { H2PORT => $h2port },
    log_level => 'warn',
    server => <<'CONF');
    listen 127.0.0.1:%%H2PORT%% http2;
    fgs_policy %%DATA%%/policy-plain.json;
    fgs_policy_max_body_size 2m;
    client_max_body_size 2m;
    client_body_buffer_size 2m;
    send_timeout 30s;
    location / {
        %%PROXY%%
    }
CONF
$t->start;
$t->seed_functions(urn('fn-mem'));

my $path = config_path('fn-mem');
my @hdr = ('content-type' => 'application/json',
           'x-auth-token' => 'MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTAL');
my ($worker) = $t->worker_pids;
ok($worker, 'one worker');

sub rss_kb {
    open my $fh, '<', "/proc/$worker/status" or return 0;
    while (<$fh>) {
        return $1 if /^VmRSS:\s+(\d+) kB/;
    }
    return 0;
}

sub head {
    return '"func_name":"fn-mem","runtime":"Python3.12",'
           . '"handler":"index.handler","memory_size":512,"timeout":30';
}

# name, status, streams, body, the code and message of a refusal
my $scan = qr/more JSON values than a FunctionGraph request can/;
my @cases = (
    [ 'key-dense, allowed', 200, 8,
      '{' . head() . ',"lts_custom_tag":{'
      . join(',', map { sprintf('"k%05d":"v%05d"', $_, $_) } 1 .. 60_000)
      . '}}' ],
    [ 'key-dense, refused', 400, 8,
      '{' . head() . ','
      . join(',', map { sprintf('"unknown_%05d":1', $_) } 1 .. 60_000)
      . '}', 'FGSPOL.4001', qr/unknown_00001/ ],
    [ 'key-dense, refused at the scan', 400, 8,
      '{' . head() . ','
      . join(',', map { sprintf('"k%05d":1', $_) } 1 .. 60_000) . '}',
      'FGSPOL.4000', $scan ],
    [ 'value-dense, refused', 400, 24,
      '{' . head() . ',"func_vpc":{"vpc_id":"v","subnet_id":"s",'
      . '"security_groups":[' . join(',', (' ' x 15 . '1') x 60_000)
      . ']}}', 'FGSPOL.4001', qr/security_groups/ ],
    [ 'value-dense, refused at the scan', 400, 24,
      '{' . head() . ',"func_vpc":{"vpc_id":"v","subnet_id":"s",'
      . '"security_groups":[' . join(',', (1) x 60_000) . ']}}',
      'FGSPOL.4000', $scan ],
    [ 'nested, refused', 400, 24,
      '{' . head() . ',"x":['
      . join(',', (('[' x 60) . (']' x 60) . (' ' x 840)) x 1_000) . ']}',
      'FGSPOL.4001', qr/"x"|\bx\b/ ],
    [ 'nested, refused at the scan', 400, 24,
      '{' . head() . ',"x":['
      . join(',', (('[' x 60) . (']' x 60)) x 1_000) . ']}',
      'FGSPOL.4000', $scan ],
);

my $started = time;

for my $c (@cases) {
    my ($name, $status, $n, $body, $code, $msg) = @$c;

    # what refuses it: the scan, or the API reference's check
    if ($code) {
        my $r = $t->json_put($path, $body, { timeout => 60 });
        $t->is_fgs_error($r, $status, $code, "$name: $code", msg => $msg);
    }

    # warm: one request of the same body, let in and answered
    my $w = FgsH2->new($h2port, window => 1 << 20);
    my $wid = $w->request('PUT', $path, \@hdr, $body);
    is($w->wait_headers($wid, 20), $status, "$name: answered $status");
    $w->close;
    sleep 0.3;

    my $before = rss_kb();

    my $h2 = FgsH2->new($h2port, window => 0);
    my @ids = map { $h2->request('PUT', $path, \@hdr, $body) } 1 .. $n;
    my $answered = grep { ($h2->wait_headers($_, 20) // 0) == $status } @ids;
    is($answered, $n, "$name: $n streams decided, held with a zero window");
    ok(!$h2->eof, "$name: the connection is still open");
    sleep 0.3;

    my $per = (rss_kb() - $before) * 1024 / $n;
    my $bound = 2 * length($body) + 64 * 1024;

    if ($exact) {
        cmp_ok($per, '<=', $bound,
               sprintf('%s: %.0f KB held per request, body %.0f KB '
                       . '(at most 2x the body plus 64 KB)',
                       $name, $per / 1024, length($body) / 1024));
    }

    $h2->close;
    sleep 0.3;
}

diag(sprintf('%.1f s', time - $started)) if $ENV{FGS_TEST_VERBOSE};

$t->finish;
done_testing();
