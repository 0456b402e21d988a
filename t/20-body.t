# What a governed body must be (docs/policy-language.md, steps 1 and 2): the
# Content-Type and Content-Encoding (415), the size limit (413), one strict
# JSON object (400 FGSPOL.4000); and the same inspection for chunked bodies,
# Expect: 100-continue, bodies in memory and bodies spilled to temp files,
# forwarded byte for byte when they pass.

use strict;
use warnings;

use IO::Compress::Gzip qw(gzip $GzipError);
use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

# in memory: a body buffer larger than the limit; two locations that
# change how nginx reads bodies
my $m = FgsTest->new(server => <<'CONF');
    fgs_policy %%DATA%%/policy-plain.json;
    fgs_policy_max_body_size 1m;
    client_body_buffer_size 2m;
    location / {
        %%PROXY%%
    }
    location ~ ^/v2/[0-9a-f]+/fgs/functions/[^/]*:fn-stream/ {
        proxy_request_buffering off;
        %%PROXY%%
    }
    location ~ ^/v2/[0-9a-f]+/fgs/functions/[^/]*:fn-file/ {
        client_body_in_file_only clean;
        %%PROXY%%
    }
CONF

# spilled: a 1 KB body buffer, the default limit (64m)
my $d = FgsTest->new(server => <<'CONF');
    fgs_policy %%DATA%%/policy-plain.json;
    client_body_buffer_size 1k;
    location / {
        %%PROXY%%
    }
CONF

$m->start;
$d->start;

my $U = urn('fn-test');
$_->seed_functions($U, urn('fn-stream'), urn('fn-file')) for $m, $d;

my $config_path = config_path('fn-test');
my $code_path = code_path('fn-test');
my %good = (func_name => 'fn-test', runtime => 'Python3.12',
            handler => 'index.handler', memory_size => 512, timeout => 30);
my $config = canonical_json(\%good);
my $small_code = read_data('seeds/code-zip.json');
my $r;


# --- Content-Type and Content-Encoding

for my $ct ('application/json', 'application/json; charset=utf-8',
            'application/json;charset=UTF-8')
{
    $r = $m->json_put($config_path, $config, 'Content-Type' => $ct);
    $m->is_status($r, 200, "Content-Type: $ct is accepted");
    $m->upstream_got('PUT', $config_path, $config,
                     "Content-Type: $ct: forwarded byte for byte");
}

$r = $m->json_put($config_path, $config, 'Content-Encoding' => 'identity');
$m->is_status($r, 200, 'Content-Encoding: identity is accepted');

for my $ct (undef, 'text/plain', 'application/x-www-form-urlencoded',
            'text/json', 'application/jsonx', 'application/json-patch+json',
            'multipart/form-data; boundary=xyz',
            'application/json; charset=iso-8859-1',
            'application/json; charset=utf-16', '')
{
    my $name = defined $ct ? "Content-Type: '$ct'" : 'no Content-Type';
    $r = $m->json_put($config_path, $config, 'Content-Type' => $ct);
    $m->is_fgs_error($r, 415, 'FGSPOL.4150', "$name is refused");
    $m->upstream_got_nothing("$name: the upstream got nothing");
}

gzip(\$config => \my $gz) or die $GzipError;
for my $ce (['gzip', $gz], ['deflate', $config], ['br', $config],
            ['gzip, identity', $gz], ['identity, gzip', $gz])
{
    $r = $m->json_put($config_path, $ce->[1], 'Content-Encoding' => $ce->[0]);
    $m->is_fgs_error($r, 415, 'FGSPOL.4150',
                     "Content-Encoding: $ce->[0] is refused");
    $m->upstream_got_nothing("Content-Encoding: $ce->[0]: nothing forwarded");
}

$r = $m->request(method => 'PUT', target => $config_path, body => $config,
                 headers => ['Content-Type' => 'application/json',
                             'Content-Type' => 'text/plain']);
ok($r->status == 400 || $r->status == 415,
   'two different Content-Types are refused') or diag($r->summary);
$m->upstream_got_nothing('two Content-Types: nothing forwarded');


# --- the size limit

my $limit = 1024 * 1024;

# a valid /code body of exactly $n bytes (whitespace after the object)
sub code_of_size {
    my ($n) = @_;
    my $bytes = int(($n - 100) * 3 / 4);
    $bytes -= $bytes % 3;
    my $b = code_body($bytes);
    die "body too large" if length $b > $n;
    return $b . (' ' x ($n - length $b));
}

my $at_limit = code_of_size($limit);
is(length $at_limit, $limit, 'a body of exactly the limit');
$r = $m->json_put($code_path, $at_limit);
$m->is_status($r, 200, 'a body of exactly fgs_policy_max_body_size passes');
$m->upstream_got('PUT', $code_path, $at_limit,
                 'the body at the limit is forwarded byte for byte');

my $over = $at_limit . ' ';
$r = $m->json_put($code_path, $over);
$m->is_fgs_error($r, 413, 'FGSPOL.4130', 'one byte over the limit: 413');
$m->upstream_got_nothing('over the limit: the upstream got nothing');

$r = $m->request(method => 'PUT', target => $code_path, body => $over,
                 chunked => 65536,
                 headers => ['Content-Type' => 'application/json']);
$m->is_fgs_error($r, 413, 'FGSPOL.4130', 'a chunked body over the limit');
$m->upstream_got_nothing('chunked over the limit: the upstream got nothing');

$r = $m->request(method => 'PUT', target => $code_path, body => $at_limit,
                 chunked => 65536,
                 headers => ['Content-Type' => 'application/json']);
$m->is_status($r, 200, 'a chunked body of exactly the limit passes');
$m->upstream_got('PUT', $code_path, $at_limit,
                 'chunked at the limit: forwarded with Content-Length');

# The Content-Length alone decides: no body needs to be sent.
{
    $m->mock_clear;
    my $c = $m->connect;
    $c->send(build_request(method => 'PUT', target => $code_path,
        host => '127.0.0.1:' . $m->port,
        headers => ['Content-Type' => 'application/json',
                    'Content-Length' => 50 * 1024 * 1024]));
    $r = $c->read_response(timeout => 5);
    $c->close;
    $m->is_fgs_error($r, 413, 'FGSPOL.4130',
                     'Content-Length over the limit: 413 before the body');
    $m->upstream_got_nothing('Content-Length over the limit: nothing sent');
}

$r = $m->expect_continue(method => 'PUT', target => $code_path, body => $over,
                         headers => ['Content-Type' => 'application/json']);
$m->is_fgs_error($r, 413, 'FGSPOL.4130',
                 'Expect: 100-continue over the limit: 413');
ok(!$r->{got_continue}, 'no 100 Continue for a body that is too large');
$m->upstream_got_nothing('Expect over the limit: nothing forwarded');


# --- one strict JSON object (FGSPOL.4000)

my $good_inner = substr($config, 1, -1);
my @not_strict = (
    [ 'not JSON',                 'hello' ],
    [ 'an array',                 "[$config]" ],
    [ 'a string',                 '"fn-test"' ],
    [ 'a number',                 '123' ],
    [ 'null',                     'null' ],
    [ 'an empty body',            '' ],
    [ 'only whitespace',          " \r\n\t " ],
    [ 'a cut object',             substr($config, 0, -1) ],
    [ 'a trailing comma',         "{$good_inner,}" ],
    [ 'single quotes',            "{$good_inner,'description':'x'}" ],
    [ 'a leading zero',           "{$good_inner,\"status\":00}" ],
    [ 'NaN',                      "{$good_inner,\"gpu_memory\":NaN}" ],
    [ 'a comment',                "{$good_inner}/* c */" ],
    [ 'a duplicate key',          "{$good_inner,\"timeout\":30}" ],
    [ 'a duplicate key, escaped', "{$good_inner,\"time\\u006fut\":30}" ],
    [ 'a duplicate key, nested',  "{$good_inner,\"func_vpc\":{\"vpc_id\":\"a\","
                                  . "\"subnet_id\":\"b\",\"vpc_id\":\"c\"}}" ],
    [ 'a second object',          "$config {}" ],
    [ 'trailing data',            "${config}x" ],
    [ 'a trailing NUL byte',      "$config\x00" ],
    [ 'a UTF-8 BOM',              "\xEF\xBB\xBF$config" ],
    [ 'an escaped NUL',           "{$good_inner,\"description\":\"a\\u0000b\"}" ],
    [ 'a raw NUL in a string',    "{$good_inner,\"description\":\"a\x00b\"}" ],
    [ 'a raw control character',  "{$good_inner,\"description\":\"a\x01b\"}" ],
    [ 'invalid UTF-8',            "{$good_inner,\"description\":\"\xff\xfe\"}" ],
    [ 'overlong UTF-8',           "{$good_inner,\"description\":\"\xc0\xaf\"}" ],
    [ 'UTF-8 of a surrogate',     "{$good_inner,\"description\":\"\xed\xa0\x80\"}" ],
    [ 'a truncated UTF-8 sequence', "{$good_inner,\"description\":\"\xe2\x82\"}" ],
    [ 'nesting far too deep',     "{$good_inner,\"lts_custom_tag\":"
                                  . ('[' x 10000) . (']' x 10000) . '}' ],
    [ 'a bad escape',             "{$good_inner,\"description\":\"\\x41\"}" ],
    [ 'an unquoted key',          "{$good_inner,description:\"x\"}" ],
);

for my $c (@not_strict) {
    my ($name, $body) = @$c;
    $r = $m->json_put($config_path, $body);
    $m->is_fgs_error($r, 400, 'FGSPOL.4000', "$name: 400 FGSPOL.4000");
    $m->upstream_got_nothing("$name: the upstream got nothing");
}

my $old = read_data('seeds/code-old-edition-trailing-commas.txt');
$r = $m->json_put($code_path, $old);
$m->is_fgs_error($r, 400, 'FGSPOL.4000',
                 'the old edition\'s example with trailing commas');
$m->upstream_got_nothing('trailing commas: the upstream got nothing');


# --- chunked bodies and Expect: 100-continue are inspected the same way

for my $piece (1, 7, 4096) {
    $r = $m->request(method => 'PUT', target => $config_path, body => $config,
                     chunked => $piece,
                     headers => ['Content-Type' => 'application/json']);
    $m->is_status($r, 200, "a chunked body in $piece-byte chunks passes");
    $m->upstream_got('PUT', $config_path, $config,
                     "$piece-byte chunks: forwarded with Content-Length");
}

$r = $m->request(method => 'PUT', target => $config_path,
                 body => "{$good_inner,\"timeout\":30}", chunked => 5,
                 headers => ['Content-Type' => 'application/json']);
$m->is_fgs_error($r, 400, 'FGSPOL.4000',
                 'a chunked body with a duplicate key split across chunks');
$m->upstream_got_nothing('chunked duplicate key: nothing forwarded');

$r = $m->expect_continue(method => 'PUT', target => $config_path,
                         body => $config,
                         headers => ['Content-Type' => 'application/json']);
ok($r->{got_continue}, 'Expect: 100-continue gets 100 Continue');
$m->is_status($r, 200, 'then the body passes');
$m->upstream_got('PUT', $config_path, $config,
                 'Expect: forwarded byte for byte');

$r = $m->expect_continue(method => 'PUT', target => $config_path,
                         body => "${config}x",
                         headers => ['Content-Type' => 'application/json']);
$m->is_fgs_error($r, 400, 'FGSPOL.4000', 'Expect: a bad body is refused');
$m->upstream_got_nothing('Expect with a bad body: nothing forwarded');

$r = $m->expect_continue(method => 'PUT', target => $config_path,
                         body => $config,
                         headers => ['Content-Type' => 'text/plain']);
$m->is_fgs_error($r, 415, 'FGSPOL.4150',
                 'Expect with a wrong Content-Type: 415');
ok(!$r->{got_continue}, 'no 100 Continue for a body that cannot pass');
$m->upstream_got_nothing('Expect with text/plain: nothing forwarded');

$r = $m->expect_continue(method => 'PUT', target => $config_path,
                         body => $config, chunked => 9,
                         headers => ['Content-Type' => 'application/json']);
$m->is_status($r, 200, 'Expect with a chunked body passes');
$m->upstream_got('PUT', $config_path, $config,
                 'Expect and chunked: forwarded byte for byte');

$r = $m->json_put($config_path, $config, { piece => 50, delay => 0.005 });
$m->is_status($r, 200, 'a body sent slowly in pieces passes');
$m->upstream_got('PUT', $config_path, $config, 'slow: forwarded untouched');


# --- pipelined governed requests: each body is read exactly, no more

{
    my $host = '127.0.0.1:' . $m->port;
    my $bad = "{$good_inner,\"timeout\":\"30\"}";
    my @reqs = (
        build_request(method => 'PUT', target => $config_path, host => $host,
                      close => 0, body => $config,
                      headers => ['Content-Type' => 'application/json']),
        build_request(method => 'PUT', target => $code_path, host => $host,
                      close => 0, body => $small_code, chunked => 100,
                      headers => ['Content-Type' => 'application/json']),
        build_request(method => 'PUT', target => $config_path, host => $host,
                      close => 0, body => $bad,
                      headers => ['Content-Type' => 'application/json']),
    );
    my @rs = $m->raw(join('', @reqs), count => 3);
    is(scalar(@rs), 3, 'pipelined: three responses');
    is(join(' ', map { $_->status } @rs), '200 200 400',
       'pipelined: allowed, allowed, refused');
    my $recs = $m->mock_requests;
    is(scalar @$recs, 2, 'pipelined: the upstream got the two good ones');
    ok(@$recs == 2 && $recs->[0]{body} eq $config
       && $recs->[1]{body} eq $small_code,
       'pipelined: each body byte for byte');
}


# --- locations that change how nginx reads or forwards bodies

for my $name ('fn-stream', 'fn-file') {
    my $how = $name eq 'fn-stream' ? 'proxy_request_buffering off'
                                   : 'client_body_in_file_only';
    my $body = canonical_json({ %good, func_name => $name });
    my $path = config_path($name);
    $r = $m->json_put($path, $body);
    $m->is_status($r, 200, "$how: a good body passes");
    $m->upstream_got('PUT', $path, $body, "$how: forwarded byte for byte");

    $r = $m->request(method => 'PUT', target => $path, body => $body,
                     chunked => 10,
                     headers => ['Content-Type' => 'application/json']);
    $m->is_status($r, 200, "$how: a good chunked body passes");
    $m->upstream_got('PUT', $path, $body, "$how: chunked, byte for byte");

    for my $bad ("{$good_inner,\"timeout\":30}",
                 substr($body, 0, -1) . ',"timeout":"30"}', "${body}x")
    {
        $r = $m->json_put($path, $bad);
        ok($r->status == 400, "$how: a bad body is refused")
            or diag($r->summary);
        $m->upstream_got_nothing("$how: nothing of it forwarded");

        $r = $m->request(method => 'PUT', target => $path, body => $bad,
                         chunked => 7,
                         headers => ['Content-Type' => 'application/json']);
        ok($r->status == 400, "$how: a bad chunked body is refused")
            or diag($r->summary);
        $m->upstream_got_nothing("$how: nothing of the chunked one forwarded");
    }

    my $big_bad = substr(code_body(600_000), 0, -1) . ',"code_type":"zip"}';
    $r = $m->json_put(code_path($name), $big_bad);
    $m->is_fgs_error($r, 400, 'FGSPOL.4000',
                     "$how: 800 KB with a duplicate key at the end");
    $m->upstream_got_nothing("$how: nothing of the 800 KB forwarded");
}


# --- a body that breaks the rules only in its last bytes

my $base_code = code_body(600_000);
my $inner_code = substr($base_code, 0, -1);
my @late = (
    [ 'a duplicate key at the end', 'FGSPOL.4000',
      "$inner_code,\"code_type\":\"zip\"}" ],
    [ 'a type violation at the end', 'FGSPOL.4001',
      "$inner_code,\"depend_version_list\":[1]}" ],
    [ 'trailing data after the object', 'FGSPOL.4000', "${base_code}x" ],
    [ 'an unclosed object', 'FGSPOL.4000', $inner_code ],
);

for my $inst ([$m, 'in memory'], [$d, 'spilled']) {
    my ($t, $where) = @$inst;
    for my $c (@late) {
        my ($name, $code, $body) = @$c;
        $r = $t->json_put($code_path, $body);
        $t->is_fgs_error($r, 400, $code, "$where: $name");
        $t->upstream_got_nothing("$where: $name: nothing forwarded");
    }
    $r = $t->json_put($code_path, $base_code);
    $t->is_status($r, 200, "$where: the same body without the fault passes");
    $t->upstream_got('PUT', $code_path, $base_code,
                     "$where: forwarded byte for byte");
}


# --- bodies spilled to temp files

my $spilled_config = canonical_json({ %good,
    description => 'spilled ' . ('x' x 5000) });
$r = $d->json_put($config_path, $spilled_config);
$d->is_status($r, 200, 'a 5 KB config body in a temp file passes');
$d->upstream_got('PUT', $config_path, $spilled_config,
                 'the spilled config body is forwarded byte for byte');

my $big = code_body(15 * 1024 * 1024);
ok(length $big > 20_000_000, 'a 20 MB /code body');
$r = $d->json_put($code_path, $big, { timeout => 60 });
$d->is_status($r, 200, 'the 20 MB /code body passes');
my $rec = $d->upstream_got('PUT', $code_path, $big,
                           'the 20 MB body is forwarded byte for byte');
is($rec && $rec->{sha256}, sha256_hex($big), 'sha256 of what the mock got');

$r = $d->request(method => 'PUT', target => $code_path, body => $big,
                 chunked => 1 << 16, timeout => 60,
                 headers => ['Content-Type' => 'application/json']);
$d->is_status($r, 200, 'the 20 MB body in 64 KB chunks passes');
$d->upstream_got('PUT', $code_path, $big,
                 'the chunked 20 MB body is forwarded with Content-Length');

my $big_bad = substr($big, 0, -1) . ',"func_code":{}}';
$r = $d->json_put($code_path, $big_bad, { timeout => 60 });
$d->is_fgs_error($r, 400, 'FGSPOL.4000',
                 '20 MB with a duplicate key in its last bytes');
$d->upstream_got_nothing('20 MB duplicate key: nothing forwarded');

$r = $d->expect_continue(method => 'PUT', target => $code_path, body => $big,
                         timeout => 60,
                         headers => ['Content-Type' => 'application/json']);
$d->is_status($r, 200, 'Expect: 100-continue with the 20 MB body passes');
$d->upstream_got('PUT', $code_path, $big, 'Expect, 20 MB: byte for byte');

# the two instances did keep the bodies where they were meant to be
like($d->error_log, qr/client request body is buffered to a temporary file/,
     'the 1 KB buffer instance spilled bodies to temp files');
my @spilled = grep { /buffered to a temporary file/ && /:fn-test\// }
              split /\n/, $m->error_log;
ok(!@spilled, 'the in-memory instance kept the fn-test bodies in memory')
    or diag($spilled[0]);

$m->finish;
$d->finish;
done_testing;
