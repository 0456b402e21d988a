# Errors (docs/errors.md): every error the gateway returns on a governed
# path, its own and nginx's (a malformed chunked body, nginx's body size
# limit, an upstream that is down or too slow), is the FunctionGraph-style
# JSON with error_code, error_msg and request_id and Content-Type
# application/json; FunctionGraph's own errors pass through untouched.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    location / {
        %%PROXY%%
        proxy_read_timeout 2s;
    }
    location /v2/0123456789abcdef0123456789abcdef/fgs/functions/urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:small-fn/ {
        client_max_body_size 2k;
        %%PROXY%%
    }
CONF
$t->start;

my $U = urn('fn-test');
my $config_path = config_path('fn-test');
my $code_path = code_path('fn-test');
$t->seed_functions($U, urn('small-fn'));

my $kms = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
my %good = (func_name => 'fn-test', runtime => 'Python3.12',
            handler => 'index.handler', memory_size => 512, timeout => 30,
            code_encrypt_kms_key_id => $kms);
my $config = canonical_json(\%good);
my $r;
my %ids;

sub collect {
    my ($e) = @_;
    $ids{ $e->{request_id} }++ if $e && defined $e->{request_id};
}


# --- the gateway's own errors

collect($t->is_fgs_error($t->json_put($config_path, '{"func_name":'),
                         400, 'FGSPOL.4000', 'FGSPOL.4000 is JSON'));
collect($t->is_fgs_error(
    $t->json_put($config_path, canonical_json({ %good, timeout => 1 })),
    400, 'FGSPOL.4001', 'FGSPOL.4001 is JSON', fields => ['timeout'],
    nviolations => 1));
collect($t->is_fgs_error($t->json_put("$config_path/", $config),
                         400, 'FGSPOL.4002', 'FGSPOL.4002 is JSON'));
collect($t->is_fgs_error(
    $t->json_put($config_path, canonical_json({ %good, runtime => 'Go1.x' })),
    403, 'FGSPOL.4030', 'FGSPOL.4030 is JSON', fields => ['runtime'],
    rules => ['runtime-allowlist'], msg => qr/runtime/));
collect($t->is_fgs_error(
    $t->json_put($config_path, $config, 'Content-Type' => 'text/plain'),
    415, 'FGSPOL.4150', 'FGSPOL.4150 is JSON'));

my $e = $t->is_fgs_error($t->json_put($config_path,
                                      canonical_json({ %good, timeout => 1 })),
                         400, 'FGSPOL.4001', 'a schema error');
is_deeply([ map { $_->{field} } @{ $e->{violations} // [] } ], ['timeout'],
          'its violations name the field') if $e;
like($e->{error_msg} // '', qr/timeout/, 'and error_msg says which field')
    if $e;

$r = $t->json_put($config_path, canonical_json({ %good, runtime => 'Go1.x' }));
is($r->header('content-length'), length $r->body,
   'the error body has a correct Content-Length');
unlike($r->body, qr/<html|<center>/i, 'and no HTML');

ok(keys %ids == 5, 'every error has its own request_id')
    or diag(explain \%ids);


# --- nginx's own errors on governed paths

# a malformed chunked body
$r = $t->raw(build_request(method => 'PUT', target => $config_path,
        host => '127.0.0.1:' . $t->port,
        headers => ['Content-Type' => 'application/json',
                    'Transfer-Encoding' => 'chunked'])
    . "zz\r\n{}\r\n0\r\n\r\n");
$t->is_fgs_error($r, 400, qr/^FGSPOL\.400\d$/,
                 'a malformed chunked body: 400 in JSON');
$t->upstream_got_nothing('malformed chunked: nothing forwarded');

$r = $t->raw(build_request(method => 'PUT', target => $config_path,
        host => '127.0.0.1:' . $t->port,
        headers => ['Content-Type' => 'application/json',
                    'Transfer-Encoding' => 'chunked'])
    . "5\r\n{\"a\":1}\r\n0\r\n\r\n");
$t->is_fgs_error($r, 400, qr/^FGSPOL\.400\d$/,
                 'a chunk longer than its size: 400 in JSON');
$t->upstream_got_nothing('bad chunk size: nothing forwarded');

# nginx's client_max_body_size, below the module's own limit
my $small_path = config_path('small-fn');
my $long = canonical_json({ %good, func_name => 'small-fn',
                            description => 'x' x 3000 });
$r = $t->json_put($small_path, $long);
$t->is_fgs_error($r, 413, 'FGSPOL.4130',
                 'nginx\'s client_max_body_size: 413 in JSON');
$t->upstream_got_nothing('client_max_body_size: nothing forwarded');

$r = $t->request(method => 'PUT', target => $small_path, body => $long,
                 chunked => 1000,
                 headers => ['Content-Type' => 'application/json']);
$t->is_fgs_error($r, 413, 'FGSPOL.4130',
                 'client_max_body_size, chunked: 413 in JSON');
$t->upstream_got_nothing('client_max_body_size chunked: nothing forwarded');

# Content-Length together with Transfer-Encoding: nginx refuses it
$r = $t->raw(build_request(method => 'PUT', target => $config_path,
        host => '127.0.0.1:' . $t->port,
        headers => ['Content-Type' => 'application/json',
                    'Content-Length' => 2,
                    'Transfer-Encoding' => 'chunked'])
    . "2\r\n{}\r\n0\r\n\r\n");
is($r->status, 400, 'Content-Length and Transfer-Encoding: 400');
$t->upstream_got_nothing('Content-Length and Transfer-Encoding: nothing');

# the upstream misbehaves: nginx's 502 and 504 come back as JSON
$t->mock_behave({ reset => JSON::PP::true, ops => ['config'] });
$r = $t->json_put($config_path, $config, { keep => 1 });
$t->is_fgs_error($r, 502, qr/^FGSPOL\.5\d{3}$/,
                 'the upstream resets the connection: 502 in JSON');

$t->mock_behave({ garbage => JSON::PP::true, ops => ['config'] });
$r = $t->json_put($config_path, $config, { keep => 1 });
$t->is_fgs_error($r, 502, qr/^FGSPOL\.5\d{3}$/,
                 'the upstream answers garbage: 502 in JSON');

$t->mock_behave({ delay_ms => 4000, ops => ['config'] });
$r = $t->json_put($config_path, $config, { keep => 1, timeout => 10 });
$t->is_fgs_error($r, 504, qr/^FGSPOL\.5\d{3}$/,
                 'the upstream is too slow: 504 in JSON');


# --- FunctionGraph's own errors pass through untouched

my $unknown = config_path('no-such-fn');
$r = $t->json_put($unknown, canonical_json({ %good, func_name => 'no-such-fn' }));
$t->is_status($r, 404, 'an unknown function: the upstream\'s 404');
my $body = $r->json;
is($body && $body->{error_code}, 'FSS.1052', 'its error_code FSS.1052');
is($body && $body->{error_msg}, 'Not found the function version',
   'its error_msg untouched');
ok($body && !exists $body->{request_id} && !exists $body->{violations},
   'nothing added to the upstream\'s body');
ok(defined $r->header('x-request-id'), 'the upstream\'s headers pass');

for my $status (400, 500, 502, 503) {
    my $raw = '{"error_code":"FSS.' . $status . '9","error_msg":"from '
              . 'FunctionGraph","extra":[1,2,3]}';
    $t->mock_behave({ status => $status, body => $raw, ops => ['config'] });
    $r = $t->json_put($config_path, $config, { keep => 1 });
    $t->is_status($r, $status, "the upstream's $status passes");
    is($r->body, $raw, "the upstream's $status body is untouched");
}

# the mock was not down: nothing above went wrong on the way there
$r = $t->json_put($config_path, $config);
$t->is_status($r, 200, 'a good body still passes');


# --- the upstream is down: nginx's 502 in JSON

my $down = FgsTest->new(mock => 0, server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    location / {
        %%PROXY%%
    }
CONF
$down->start;
$r = $down->json_put($config_path, $config);
$down->is_fgs_error($r, 502, qr/^FGSPOL\.5\d{3}$/,
                    'the upstream is down: 502 in JSON');
$r = $down->json_put($config_path, '{"func_name":');
$down->is_fgs_error($r, 400, 'FGSPOL.4000',
                    'with the upstream down a bad body is still a 400');

$t->finish;
$down->finish;
done_testing;
