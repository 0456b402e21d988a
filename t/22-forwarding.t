# Nothing unchecked is forwarded, whatever the configuration around the
# gateway does with the body (docs/security.md, "One reader of the
# request"): a mirror gets only checked (and rewritten) bodies, an
# error_page cannot send a refused request on, clients that stop sending or
# go away mid-body leave nothing forwarded and nginx healthy, HTTP/1.0
# requests are governed, and two workers decide alike.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $t = FgsTest->new(workers => 2, server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    client_body_timeout 1s;
    add_header X-Fgs-Decision $fgs_policy_decision always;

    location / {
        mirror /__mirror;
        %%PROXY%%
    }
    location = /__mirror {
        internal;
        proxy_pass http://fgs_mock/mirror$request_uri;
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $fgs_test_host;
    }

    location ~ ^/v2/[0-9a-f]+/fgs/functions/[^/]*:fn-fallback/ {
        error_page 400 403 413 415 500 = @fallback;
        %%PROXY%%
    }
    location @fallback {
        %%PROXY%%
    }
CONF
$t->start;

my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(map { urn($_) } qw(dev-reports prod-orders fn-fallback));

sub config_body {
    my ($name, %o) = @_;
    return canonical_json({ func_name => $name, runtime => 'Python3.12',
        handler => 'index.handler', memory_size => 512, timeout => 30, %o });
}

# the mock's records, waiting (bounded) until $n have arrived: a mirror
# subrequest may finish after the main request
sub records {
    my ($n) = @_;
    my $recs = [];
    for (1 .. 40) {
        $recs = $t->mock_requests;
        last if @$recs >= $n;
        select undef, undef, undef, 0.05;
    }
    return $recs;
}

my $r;


# --- a mirror gets the checked body, or nothing

my $ok = config_body('dev-reports', code_encrypt_kms_key_id => $KMS);
$r = $t->json_put(config_path('dev-reports'), $ok);
$t->is_status($r, 200, 'mirror: an allowed body passes');
my $recs = records(2);
is(scalar @$recs, 2, 'mirror: the upstream and the mirror got it');
is(scalar(grep { $_->{body} eq $ok } @$recs), 2,
   'mirror: both got it byte for byte');

my $nokms = config_body('dev-reports');
$r = $t->json_put(config_path('dev-reports'), $nokms);
$t->is_status($r, 200, 'mirror: a body needing the KMS default passes');
$recs = records(2);
is(scalar @$recs, 2, 'mirror: both got the rewritten body');
is(scalar(grep { ($_->{body} // '') =~ /"code_encrypt_kms_key_id"/ } @$recs),
   2, 'mirror: both copies carry the KMS key')
    or diag(join "\n", map { "$_->{target}: $_->{body}" } @$recs);

for my $bad ([ 'denied', config_body('prod-orders', runtime => 'Python2.7') ],
             [ 'not JSON', '{"func_name":' ])
{
    $r = $t->json_put(config_path('prod-orders'), $bad->[1]);
    ok($r->status == 403 || $r->status == 400,
       "mirror: a $bad->[0] body is refused");
    select undef, undef, undef, 0.3;
    $t->upstream_got_nothing("mirror: a $bad->[0] body reaches neither");
}


# --- error_page cannot send a refused request on

for my $c ([ 403, config_body('fn-fallback', runtime => 'Python2.7',
                              code_encrypt_kms_key_id => $KMS) ],
           [ 400, '{"func_name":"fn-fallback","timeout":"30"}' ],
           [ 415, config_body('fn-fallback'), 'Content-Type' => 'text/plain' ])
{
    my ($status, $body, @h) = @$c;
    $r = $t->json_put(config_path('fn-fallback'), $body, @h);
    is($r->status, $status, "error_page $status = \@fallback: still $status");
    like($r->header('content-type') // '', qr{^application/json},
         "error_page $status: the JSON error");
    $t->upstream_got_nothing("error_page $status: nothing forwarded");
}
$r = $t->json_put(config_path('fn-fallback'),
                  config_body('fn-fallback', code_encrypt_kms_key_id => $KMS));
$t->is_status($r, 200, 'error_page location: a good body passes');


# --- clients that stop sending or go away mid-body

my $host = '127.0.0.1:' . $t->port;
my $half = substr($ok, 0, 40);
{
    $t->mock_clear;
    my $c = $t->connect;
    $c->send(build_request(method => 'PUT', target => config_path('dev-reports'),
        host => $host, headers => ['Content-Type' => 'application/json',
                                   'Content-Length' => length $ok]) . $half);
    my $resp = $c->read_response(timeout => 5);
    ok(!$resp->complete || $resp->status == 408 || $resp->status >= 400,
       'a body that stops: answered with an error or closed')
        or diag($resp->summary);
    ok($c->wait_closed(5), 'a body that stops: the connection is closed');
    $c->close;
    $t->upstream_got_nothing('a body that stops: nothing forwarded');
}

for my $chunked (0, 1) {
    $t->mock_clear;
    my $c = $t->connect;
    my $req = build_request(method => 'PUT', target => code_path('dev-reports'),
        host => $host, body => code_body(300_000),
        $chunked ? (chunked => 4096) : (),
        headers => ['Content-Type' => 'application/json']);
    $c->send(substr($req, 0, int(length($req) / 2)));
    $c->close;
    select undef, undef, undef, 0.3;
    $t->upstream_got_nothing('a client gone mid-body'
                             . ($chunked ? ' (chunked)' : '')
                             . ': nothing forwarded');
}
$r = $t->json_put(config_path('dev-reports'), $ok);
$t->is_status($r, 200, 'nginx still serves after the aborted bodies');


# --- HTTP/1.0 is governed the same way

{
    my $bad = config_body('prod-orders', runtime => 'Python2.7');
    my $req = "PUT " . config_path('prod-orders') . " HTTP/1.0\r\n"
              . "Content-Type: application/json\r\n"
              . "Content-Length: " . length($bad) . "\r\n\r\n$bad";
    $r = $t->raw($req);
    $t->is_fgs_error($r, 403, 'FGSPOL.4030', 'HTTP/1.0: denied');
    $t->upstream_got_nothing('HTTP/1.0: nothing forwarded');

    $req = "PUT " . config_path('dev-reports') . " HTTP/1.0\r\n"
           . "Content-Type: application/json\r\n"
           . "Content-Length: " . length($ok) . "\r\n\r\n$ok";
    $r = $t->raw($req);
    $t->is_status($r, 200, 'HTTP/1.0: allowed');
    $recs = records(2);
    ok(@$recs >= 1 && $recs->[0]{body} eq $ok,
       'HTTP/1.0: forwarded byte for byte');
}


# --- two workers decide alike (many connections spread over both)

{
    my %status;
    my $bad = config_body('prod-orders', runtime => 'Python2.7');
    for my $i (1 .. 20) {
        my $rr = $t->json_put(config_path('prod-orders'), $bad, { keep => 1 });
        $status{ $rr->status }++;
    }
    is_deeply(\%status, { 403 => 20 }, 'twenty denials, whichever worker');
    my @workers = $t->worker_pids;
    is(scalar @workers, 2, 'two workers ran');
}

$t->finish;
done_testing;
