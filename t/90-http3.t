# HTTP/3.  On an nginx built with HTTP/3 (1.25 and later with
# --with-http_v3_module), a governed write that arrives over QUIC is
# refused with 505 FGSPOL.5050 and nothing reaches the upstream, while a
# read passes and the same write over HTTP/1.1 is governed as ever.  The
# client is ngtcp2's gtlsclient (Debian's ngtcp2-client).  On an nginx
# without HTTP/3 (Debian 12's 1.22) the test shows instead that no QUIC
# listener can be configured, so no request can arrive that way.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $nginx_v = qx{$FgsTest::NGINX -V 2>&1};
my $has_v3 = $nginx_v =~ /--with-http_v3_module/;

my $h3_port = FgsTest::free_port();

my $t = FgsTest->new(server => <<'CONF', vars => { H3PORT => $h3_port });
    listen 127.0.0.1:%%H3PORT%% quic;
    listen 127.0.0.1:%%H3PORT%% ssl;
    ssl_certificate %%PREFIX%%/data/gw.crt;
    ssl_certificate_key %%PREFIX%%/data/gw.key;
    fgs_policy %%DATA%%/policy-plain.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log;
    location / {
        %%PROXY%%
    }
CONF

my $p = $t->prefix;
my $rc = FgsTest::run_cmd(['openssl', 'req', '-x509', '-newkey', 'ec',
    '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
    '-keyout', "$p/data/gw.key", '-out', "$p/data/gw.crt", '-days', '2',
    '-subj', '/CN=localhost'], "$p/logs/openssl.out", 60);
is($rc, 0, 'a throwaway certificate for the QUIC listener')
    or diag(FgsTest::slurp("$p/logs/openssl.out"));

unless ($has_v3) {
    my ($nrc, $said) = $t->nginx_t;
    isnt($nrc, 0, 'this nginx has no HTTP/3: a QUIC listener is refused');
    like($said, qr/quic|invalid parameter/i,
         'nginx -t names the QUIC listener') or diag($said);
    $t->{finished} = 1;
    $t->cleanup;
    done_testing;
    exit 0;
}

my $client = '/usr/bin/gtlsclient';
ok(-x $client, "ngtcp2's HTTP/3 client is installed (make deps)")
    or BAIL_OUT('install ngtcp2-client');

$t->start;
$t->seed_functions(urn('fn-test'));

# One request over HTTP/3; returns (status, body, everything it said).
sub h3 {
    my ($method, $path, $body) = @_;

    my @argv = ($client, '--exit-on-all-streams-close', '--no-quic-dump',
                '--timeout=5s', '-m', $method);
    if (defined $body) {
        FgsTest::spew("$p/data/h3-body", $body);
        push @argv, '-d', "$p/data/h3-body";
    }
    push @argv, '127.0.0.1', $h3_port, "https://127.0.0.1:$h3_port$path";

    my $out = "$p/logs/h3.out";
    FgsTest::run_cmd(\@argv, $out, 20);
    my $said = FgsTest::slurp($out);

    my ($status) = $said =~ /\[:status: (\d+)\]/;
    my $got = '';
    for my $line (split /\n/, $said) {
        next unless $line =~ /^[0-9a-f]{8}  ((?:[0-9a-f]{2} {1,2})+)/;
        $got .= pack 'H*', join '', split ' ', $1;
    }
    return ($status // 0, $got, $said);
}

my $config = config_json('fn-test', memory_size => 256);

my ($status, $body, $said) = h3('PUT', config_path('fn-test'), $config);
is($status, 505, 'a /config write over HTTP/3 is refused with 505')
    or diag($said);
my $e = eval { json_decode($body) } // {};
is($e->{error_code}, 'FGSPOL.5050', '... as FGSPOL.5050');
like($e->{error_msg} // '', qr{HTTP/1\.1 or HTTP/2},
     '... with the way out in error_msg');

($status, $body, $said) = h3('POST', create_path(), $config);
is($status, 505, 'a create over HTTP/3 is refused too') or diag($said);

($status, $body, $said) = h3('PUT', code_path('fn-test'),
                             read_data('seeds/code-inline.json'));
is($status, 505, 'and a /code write') or diag($said);

$t->upstream_got_nothing('no write over HTTP/3 reached the upstream');

($status, $body, $said) = h3('GET', config_path('fn-test'));
is($status, 200, 'a read over HTTP/3 passes') or diag($said);
my $recs = $t->mock_requests;
is(scalar @$recs, 1, '... and reaches the upstream');
is($recs->[0]{method} // '', 'GET', '... as the GET it was');

my $r = $t->json_put(config_path('fn-test'), $config);
$t->is_status($r, 200, 'the same write over HTTP/1.1 is governed and passes');

like($t->error_log, qr/rejected with 505 FGSPOL\.5050/,
     'the refusal is one line in the error log');

my @recs = grep { ($_->{status} // 0) == 505 }
           $t->audit_records('request', "$p/logs/audit.log");
is(scalar @recs, 3, 'each refusal has its audit record');
is($recs[0]{decision}, 'error', '... with the decision error (refused before the policy)')
    or diag(explain($recs[0]));

$t->finish;
done_testing;
