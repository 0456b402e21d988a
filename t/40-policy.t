# The policy at work (docs/policy-language.md, docs/directives.md): allowed
# bodies forwarded byte for byte, denials listing every violation, the KMS
# set_default rewrite on token requests (correct Content-Length, the rest of
# the body byte-identical), FGSPOL.4031 for AK/SK-signed bodies unless the
# payload is unsigned, audit mode, fgs_policy_mode, other_writes, create,
# exceptions and the $fgs_policy_* variables.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $server = <<'CONF';
    fgs_policy %%POLICY%%;
    %%MODE%%
    add_header X-Fgs-Op $fgs_policy_operation always;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Fgs-Rules $fgs_policy_rules always;
    access_log %%PREFIX%%/logs/fgs-access.log fgs;
    client_body_buffer_size 4k;
    location / {
        %%PROXY%%
    }
    location /v2/0123456789abcdef0123456789abcdef/fgs/functions/urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:ungoverned-fn/ {
        fgs_policy off;
        %%PROXY%%
    }
CONF

my $http = <<'CONF';
    log_format fgs '$request_method op=$fgs_policy_operation '
                   'decision=$fgs_policy_decision rules=$fgs_policy_rules '
                   'project=$fgs_policy_project_id '
                   'urn=$fgs_policy_function_urn';
CONF

my $t = FgsTest->new(server => $server, http => $http,
                     vars => { POLICY => data_path('policy.json'),
                               MODE => '' });
$t->start;

my $P = PROJECT;
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
my @names = qw(prod-orders dev-reports legacy-billing old-batch
               ungoverned-fn);
$t->seed_functions(map { urn($_) } @names);

my $AKSK = 'SDK-HMAC-SHA256 Access=TESTAK, SignedHeaders=content-type;host;'
           . 'x-sdk-date, Signature=' . ('0a' x 32);

my $prod_vpc = { vpc_id => 'vpc-0a1b2c', subnet_id => 'subnet-7d8e9f' };
my $r;

# The forwarded body is the original with one member inserted, nothing
# else changed: a pure insertion of  ,"KEY":"VALUE"  (or  "KEY":"VALUE",)
sub is_insertion {
    my ($got, $orig, $key, $value, $name) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my $p = 0;
    my $max = length $orig < length $got ? length $orig : length $got;
    $p++ while $p < $max && substr($got, $p, 1) eq substr($orig, $p, 1);
    my $s = 0;
    $s++ while $s < $max - $p
               && substr($got, -1 - $s, 1) eq substr($orig, -1 - $s, 1);
    my $removed = substr($orig, $p, length($orig) - $p - $s);
    my $added = substr($got, $p, length($got) - $p - $s);
    my $member = qr/"\Q$key\E"\s*:\s*"\Q$value\E"/;
    subtest $name => sub {
        is($removed, '', 'nothing of the original body is changed');
        like($added, qr/^\s*(?:,\s*$member|$member\s*,)\s*$/,
             "only \"$key\": \"$value\" is inserted")
            or diag("inserted: $added");
        my $d = eval { json_decode($got) };
        ok($d && $d->{$key} eq $value, 'the result parses, with the key');
    };
}


# --- allowed: forwarded byte for byte

my $allowed = config_json('prod-orders', func_vpc => $prod_vpc,
                          code_encrypt_kms_key_id => $KMS);
$r = $t->json_put(config_path('prod-orders'), $allowed);
$t->is_status($r, 200, 'an allowed config passes');
is($r->header('x-fgs-decision'), 'allow', 'decision allow');
is($r->header('x-fgs-op'), 'config', 'operation config');
$t->upstream_got('PUT', config_path('prod-orders'), $allowed,
                 'the allowed config is forwarded byte for byte');

my $pretty = "{\n  \"func_name\" : \"prod-orders\",\n  \"runtime\" : "
    . "\"Java17\",\n  \"handler\" : \"a.b\",\n  \"memory_size\" : 2048,\n"
    . "  \"timeout\" : 900,\n  \"func_vpc\" : { \"vpc_id\" : \"vpc-0a1b2c\", "
    . "\"subnet_id\" : \"s\" },\n  \"code_encrypt_kms_key_id\" : \"$KMS\"\n}\n";
$r = $t->json_put(config_path('prod-orders'), $pretty);
$t->is_status($r, 200, 'an allowed, pretty-printed config passes');
$t->upstream_got('PUT', config_path('prod-orders'), $pretty,
                 'its whitespace is forwarded untouched');


# --- denied: every violation listed, nothing forwarded

my $denied = config_json('prod-orders', runtime => 'Python2.7',
                         memory_size => 4096, gpu_memory => 1024,
                         code_encrypt_kms_key_id => $KMS);
$r = $t->json_put(config_path('prod-orders'), $denied);
my $e = $t->is_fgs_error($r, 403, 'FGSPOL.4030', 'a denied config',
    rules => [qw(runtime-allowlist memory-limit vpc-required)],
    fields => [qw(runtime memory_size gpu_memory func_vpc.vpc_id
                  func_vpc.subnet_id)],
    msg => qr/runtime-allowlist|runtime/);
is(scalar @{ $e->{violations} // [] }, 5, 'exactly five violations') if $e;
unlike($r->body, qr/"rule"\s*:\s*"kms-default"/,
       'the KMS default satisfied its own check');
is($r->header('x-fgs-decision'), 'deny', 'decision deny');
like($r->header('x-fgs-rules') // '', qr/runtime-allowlist/,
     '$fgs_policy_rules names the rules');
$t->upstream_got_nothing('the denied config is not forwarded');

# the variables in the access log
{
    my $log = $t->prefix . '/logs/fgs-access.log';
    my $line = '';
    for (1 .. 100) {
        my @l = -f $log ? split(/\n/, FgsTest::slurp($log)) : ();
        $line = $l[-1] // '';
        last if $line =~ /decision=deny/;
        select undef, undef, undef, 0.05;
    }
    like($line, qr/^PUT op=config decision=deny rules=\S*runtime-allowlist/,
         'access_log: $fgs_policy_operation, _decision, _rules');
    like($line, qr/ project=\Q$P\E urn=\Q${\ urn('prod-orders')}\E$/,
         'access_log: $fgs_policy_project_id, _function_urn');
}

# "fgs_policy off" in a location of a server governed at server level: the
# module decides such requests before a location is chosen, so that no
# location can exempt a governed path, and nginx -t says the location
# setting does not apply (docs/directives.md, "Where the policy is set").
my $ungoverned = config_json('ungoverned-fn', runtime => 'Python2.7',
                             memory_size => 4096);
{
    my ($rc, $said) = $t->nginx_t();
    is($rc, 0, 'nginx -t: a location with fgs_policy off is accepted');
    like($said, qr/\[warn\].*do not apply/,
         'nginx -t warns that the location setting does not apply');

    $r = $t->json_put(config_path('ungoverned-fn'), $ungoverned);
    TODO: {
        local $TODO = 'fgs_policy off in a location is ignored under a '
                      . 'server-level policy (deliberate: docs/directives.md)';
        $t->is_status($r, 200, 'fgs_policy off in a location: passes');
    }
}

# the match scope: vpc-required only applies to ^prod- functions
my $dev = config_json('dev-reports', code_encrypt_kms_key_id => $KMS);
$r = $t->json_put(config_path('dev-reports'), $dev);
$t->is_status($r, 200, 'vpc-required does not apply to dev-reports');
$t->upstream_got('PUT', config_path('dev-reports'), $dev,
                 'dev-reports forwarded byte for byte');

# a VPC outside the list
$r = $t->json_put(config_path('prod-orders'), config_json('prod-orders',
    func_vpc => { vpc_id => 'vpc-evil', subnet_id => 's' },
    code_encrypt_kms_key_id => $KMS));
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'a VPC that is not allowed',
                 rules => ['vpc-required'], fields => ['func_vpc.vpc_id'],
                 nviolations => 1);

# a KMS key other than the required one is not replaced: it is denied
$r = $t->json_put(config_path('dev-reports'),
    config_json('dev-reports', code_encrypt_kms_key_id => 'other-key'));
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'another KMS key is denied',
                 rules => ['kms-default'],
                 fields => ['code_encrypt_kms_key_id']);
$t->upstream_got_nothing('another KMS key: nothing forwarded');


# --- the KMS set_default rewrite

my $nokms = config_json('dev-reports');
$r = $t->json_put(config_path('dev-reports'), $nokms);
$t->is_status($r, 200, 'a token request without the KMS key passes');
is($r->header('x-fgs-decision'), 'rewrite', 'decision rewrite');
my $rec = $t->mock_requests->[-1];
ok($rec, 'the upstream got the rewritten body');
if ($rec) {
    is_insertion($rec->{body}, $nokms, 'code_encrypt_kms_key_id', $KMS,
                 'the key is added, the rest is byte-identical');
    is($rec->{headers}{'content-length'}, length $rec->{body},
       'the Content-Length is that of the rewritten body');
    is($rec->{length}, length($nokms) + length(qq{,"code_encrypt_kms_key_id":"$KMS"}),
       'the rewritten body is exactly one member longer')
        if $rec->{body} !~ /\s"code_encrypt/;
}

my $nokms_pretty = "{\n  \"func_name\": \"dev-reports\",\n  \"runtime\": "
    . "\"Python3.10\",\n  \"handler\": \"index.handler\",\n  \"memory_size\":"
    . " 256,\n  \"timeout\": 60,\n  \"user_data\": \"{\\\"a\\\":\\\"b\\\"}\"\n}\n";
$r = $t->json_put(config_path('dev-reports'), $nokms_pretty,
                  'Content-Type' => 'application/json; charset=utf-8');
$t->is_status($r, 200, 'a pretty-printed body is rewritten too');
$rec = $t->mock_requests->[-1];
is_insertion($rec->{body}, $nokms_pretty, 'code_encrypt_kms_key_id', $KMS,
             'pretty-printed: only the key is added') if $rec;
is($rec && $rec->{headers}{'content-length'}, $rec && length $rec->{body},
   'pretty-printed: Content-Length correct');

# chunked and spilled bodies are rewritten the same way
$r = $t->request(method => 'PUT', target => config_path('dev-reports'),
                 body => $nokms, chunked => 3,
                 headers => ['Content-Type' => 'application/json',
                             'X-Auth-Token' => 'tok']);
$t->is_status($r, 200, 'a chunked body is rewritten');
$rec = $t->mock_requests->[-1];
is_insertion($rec->{body}, $nokms, 'code_encrypt_kms_key_id', $KMS,
             'chunked: only the key is added') if $rec;

# a code body gets the key as well (kms-default has no operations: all)
my $code = read_data('seeds/code-zip.json');
$r = $t->json_put(code_path('dev-reports'), $code);
$t->is_status($r, 200, 'a code body without the key passes');
$rec = $t->mock_requests->[-1];
is_insertion($rec->{body}, $code, 'code_encrypt_kms_key_id', $KMS,
             'code: only the key is added') if $rec;

# the same rewrite on a body covered by an AK/SK signature: 4031
$r = $t->json_put(config_path('dev-reports'), $nokms,
                  'X-Auth-Token' => undef, 'Authorization' => $AKSK,
                  'X-Sdk-Date' => '20261123T094006Z');
$t->is_fgs_error($r, 403, 'FGSPOL.4031',
                 'a rewrite needed on an AK/SK-signed body: 4031',
                 msg => qr/send\ X-Sdk-Content-Sha256:\ UNSIGNED-PAYLOAD\ .*
                           make\ the\ change\ yourself\ in
                           \ code_encrypt_kms_key_id/x);
$t->upstream_got_nothing('4031: nothing forwarded');

$r = $t->json_put(config_path('dev-reports'), $nokms,
                  'X-Auth-Token' => undef, 'Authorization' => $AKSK,
                  'X-Sdk-Content-Sha256' => 'UNSIGNED-PAYLOAD');
$t->is_status($r, 200, 'with X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD');
$rec = $t->mock_requests->[-1];
is_insertion($rec->{body}, $nokms, 'code_encrypt_kms_key_id', $KMS,
             'the unsigned AK/SK body is rewritten') if $rec;

# an AK/SK-signed body that needs no rewrite passes untouched
my $withkms = config_json('dev-reports', code_encrypt_kms_key_id => $KMS);
$r = $t->json_put(config_path('dev-reports'), $withkms,
                  'X-Auth-Token' => undef, 'Authorization' => $AKSK);
$t->is_status($r, 200, 'a signed body that needs no rewrite passes');
$t->upstream_got('PUT', config_path('dev-reports'), $withkms,
                 'and is forwarded byte for byte');


# any X-Sdk-Content-Sha256 but UNSIGNED-PAYLOAD: the body is signed
for my $v (sha256_hex($nokms), 'unsigned-payload', 'UNSIGNED-PAYLOAD, x') {
    $r = $t->json_put(config_path('dev-reports'), $nokms,
                      'X-Auth-Token' => undef, 'Authorization' => $AKSK,
                      'X-Sdk-Content-Sha256' => $v);
    $t->is_fgs_error($r, 403, 'FGSPOL.4031',
                     "X-Sdk-Content-Sha256: '$v' does not unsign the body");
    $t->upstream_got_nothing("X-Sdk-Content-Sha256: '$v': nothing forwarded");
}

# a token and a signature together: ambiguous credentials, refused before
# the body (t/75-identity.t tests each such case)
$r = $t->json_put(config_path('dev-reports'), $nokms, 'Authorization' => $AKSK);
$t->is_fgs_error($r, 401, 'FGSPOL.4010',
                 'X-Auth-Token and an AK/SK signature together: 4010');
$t->upstream_got_nothing('token and signature: nothing forwarded');

# every signing scheme of the official SDKs' core signs the body: 4031
for my $scheme ('SDK-HMAC-SM3', 'SDK-ECDSA-P256-SHA256', 'SDK-SM2-SM3',
                'sdk-ecdsa-p256-sha256')
{
    (my $auth = $AKSK) =~ s/^SDK-HMAC-SHA256/$scheme/;
    $r = $t->json_put(config_path('dev-reports'), $nokms,
                      'X-Auth-Token' => undef, 'Authorization' => $auth);
    $t->is_fgs_error($r, 403, 'FGSPOL.4031',
                     "a rewrite needed on a body signed with $scheme: 4031",
                     msg => qr/code_encrypt_kms_key_id/);
    $t->upstream_got_nothing("$scheme: nothing forwarded");
}

# the SM3 schemes declare an unsigned body in X-Sdk-Content-Sm3
(my $sm3 = $AKSK) =~ s/^SDK-HMAC-SHA256/SDK-SM2-SM3/;
$r = $t->json_put(config_path('dev-reports'), $nokms,
                  'X-Auth-Token' => undef, 'Authorization' => $sm3,
                  'X-Sdk-Content-Sm3' => 'UNSIGNED-PAYLOAD');
$t->is_status($r, 200, 'SDK-SM2-SM3 with X-Sdk-Content-Sm3: UNSIGNED-PAYLOAD');
$rec = $t->mock_requests->[-1];
is_insertion($rec->{body}, $nokms, 'code_encrypt_kms_key_id', $KMS,
             'the unsigned SM2 body is rewritten') if $rec;

$r = $t->json_put(config_path('dev-reports'), $nokms,
                  'X-Auth-Token' => undef, 'Authorization' => $sm3,
                  'X-Sdk-Content-Sha256' => 'UNSIGNED-PAYLOAD');
$t->is_fgs_error($r, 403, 'FGSPOL.4031',
                 'SDK-SM2-SM3 unsigned only in X-Sdk-Content-Sha256: 4031');

$r = $t->json_put(config_path('dev-reports'), $nokms,
                  'X-Auth-Token' => undef, 'Authorization' => $sm3,
                  'X-Sdk-Content-Sm3' => 'UNSIGNED-PAYLOAD',
                  'X-Sdk-Content-Sha256' => sha256_hex($nokms));
$t->is_fgs_error($r, 403, 'FGSPOL.4031',
                 'a body hash in the other content header: still signed');

# two Authorization headers are ambiguous, with any scheme: nginx refuses
# them (a duplicate header line) and the gateway answers in JSON
for my $pair ([ 'Basic eDp5', $sm3 ], [ $sm3, 'Basic eDp5' ],
              [ $AKSK, $sm3 ])
{
    $r = $t->json_put(config_path('dev-reports'), $nokms,
                      'X-Auth-Token' => undef,
                      'Authorization' => $pair->[0],
                      'Authorization' => $pair->[1],
                      'X-Sdk-Content-Sm3' => 'UNSIGNED-PAYLOAD');
    $t->is_fgs_error($r, 400, 'FGSPOL.4000',
                     'two Authorization headers, one a signature: refused');
    $t->upstream_got_nothing('two Authorization headers: nothing forwarded');
}

# a scheme that merely starts like one is no signature
$r = $t->json_put(config_path('dev-reports'), $nokms,
                  'X-Auth-Token' => undef,
                  'Authorization' => 'SDK-HMAC-SM3X Access=TESTAK');
$t->is_status($r, 200, 'SDK-HMAC-SM3X is not a signing scheme: rewritten');

# rewrites of bodies in temp files (client_body_buffer_size 4k here)
my $long = config_json('dev-reports', description => 'd' x 20_000);
$r = $t->json_put(config_path('dev-reports'), $long);
$t->is_status($r, 200, 'a 20 KB body in a temp file is rewritten');
$rec = $t->mock_requests->[-1];
is_insertion($rec->{body}, $long, 'code_encrypt_kms_key_id', $KMS,
             'spilled: only the key is added') if $rec;
is($rec && $rec->{headers}{'content-length'}, $rec && length $rec->{body},
   'spilled: Content-Length correct');

my $bigcode = code_body(15 * 1024 * 1024);
$r = $t->json_put(code_path('dev-reports'), $bigcode, { timeout => 60 });
$t->is_status($r, 200, 'a 20 MB code body in a temp file is rewritten');
$rec = $t->mock_requests->[-1];
if ($rec) {
    is($rec->{length}, length($bigcode)
                       + length(qq{,"code_encrypt_kms_key_id":"$KMS"}),
       '20 MB: one member longer');
    ok(substr($rec->{body}, 0, length($bigcode) - 1)
       eq substr($bigcode, 0, -1), '20 MB: the original bytes come first');
    like(substr($rec->{body}, -80), qr/"code_encrypt_kms_key_id"\s*:\s*"\Q$KMS\E"\s*\}$/,
         '20 MB: the key is added at the end');
    is($rec->{headers}{'content-length'}, $rec->{length},
       '20 MB: Content-Length correct');
}
undef $bigcode;


# --- escapes and numbers cannot smuggle a value past the policy

my @smuggle = (
    [ 'an escaped key',
      '{"func_name":"prod-orders","\u0072untime":"Python2.7",'
      . '"handler":"index.handler","memory_size":512,"timeout":30,'
      . '"func_vpc":{"vpc_id":"vpc-0a1b2c","subnet_id":"s"},'
      . qq{"code_encrypt_kms_key_id":"$KMS"\}} ],
    [ 'an escaped value',
      '{"func_name":"prod-orders","runtime":"Python2\u002e7",'
      . '"handler":"index.handler","memory_size":512,"timeout":30,'
      . '"func_vpc":{"vpc_id":"vpc-0a1b2c","subnet_id":"s"},'
      . qq{"code_encrypt_kms_key_id":"$KMS"\}} ],
    [ 'an escaped nested key',
      '{"func_name":"prod-orders","runtime":"Python3.12",'
      . '"handler":"index.handler","memory_size":512,"timeout":30,'
      . '"func_vpc":{"vpc\u005fid":"vpc-evil","subnet_id":"s"},'
      . qq{"code_encrypt_kms_key_id":"$KMS"\}} ],
    [ 'a memory_size past 2^64',
      '{"func_name":"prod-orders","runtime":"Python3.12",'
      . '"handler":"index.handler","memory_size":18446744073709551617,'
      . '"timeout":30,"func_vpc":{"vpc_id":"vpc-0a1b2c","subnet_id":"s"},'
      . qq{"code_encrypt_kms_key_id":"$KMS"\}} ],
    [ 'a memory_size past 2^63',
      '{"func_name":"prod-orders","runtime":"Python3.12",'
      . '"handler":"index.handler","memory_size":9223372036854775809,'
      . '"timeout":30,"func_vpc":{"vpc_id":"vpc-0a1b2c","subnet_id":"s"},'
      . qq{"code_encrypt_kms_key_id":"$KMS"\}} ],
    [ 'an escaped KMS key id',
      '{"func_name":"dev-reports","runtime":"Python3.12",'
      . '"handler":"index.handler","memory_size":512,"timeout":30,'
      . '"code_encrypt_kms_key_\u0069d":"attacker-key"}' ],
);
for my $c (@smuggle) {
    my ($name, $body) = @$c;
    my $fn = $body =~ /dev-reports/ ? 'dev-reports' : 'prod-orders';
    $r = $t->json_put(config_path($fn), $body);
    ok($r->status == 403 || $r->status == 400, "$name is refused")
        or diag($r->summary);
    $t->upstream_got_nothing("$name: nothing forwarded");
}

# the key present but escaped: set_default must not add a second one
my $esc = '{"func_name":"dev-reports","runtime":"Python3.12",'
          . '"handler":"index.handler","memory_size":512,"timeout":30,'
          . qq{"code_encrypt_kms_key_\\u0069d":"$KMS"\}};
$r = $t->json_put(config_path('dev-reports'), $esc);
$rec = $t->mock_requests->[-1];
if ($r->status == 200) {
    is($rec && $rec->{body}, $esc,
       'an escaped key that is present is not added again');
} else {
    ok($r->status == 400 || $r->status == 403,
       'an escaped key that is present is forwarded untouched or refused');
    $t->upstream_got_nothing('refused: nothing forwarded');
}

# values in an error come back as valid JSON, whatever they hold
my $nasty = "Py\"th\\on</script>\x{e9}\t";
$r = $t->json_put(config_path('dev-reports'), json_encode({
    func_name => 'dev-reports', runtime => $nasty, handler => 'index.handler',
    memory_size => 512, timeout => 30, code_encrypt_kms_key_id => $KMS }));
$e = $t->is_fgs_error($r, 403, 'FGSPOL.4030',
                      'a runtime full of quotes and escapes',
                      rules => ['runtime-allowlist']);


# --- rule-level audit mode: forwarded, decision audit

my $secret = config_json('dev-reports', code_encrypt_kms_key_id => $KMS,
                         user_data => '{"db_password":"x"}');
$r = $t->json_put(config_path('dev-reports'), $secret);
$t->is_status($r, 200, 'a violation of an audit-mode rule is forwarded');
is($r->header('x-fgs-decision'), 'audit', 'decision audit');
like($r->header('x-fgs-rules') // '', qr/no-plaintext-secrets/,
     '$fgs_policy_rules names the audited rule');
$t->upstream_got('PUT', config_path('dev-reports'), $secret,
                 'forwarded byte for byte');


# --- exceptions

my $legacy = config_json('legacy-billing', runtime => 'Python2.7',
                         code_encrypt_kms_key_id => $KMS);
$r = $t->json_put(config_path('legacy-billing'), $legacy);
$t->is_status($r, 200, 'a live exception waives runtime-allowlist');
$t->upstream_got('PUT', config_path('legacy-billing'), $legacy,
                 'the waived body is forwarded byte for byte');

my $old = config_json('old-batch', runtime => 'Python2.7',
                      code_encrypt_kms_key_id => $KMS);
$r = $t->json_put(config_path('old-batch'), $old);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'an expired exception waives nothing',
                 rules => ['runtime-allowlist']);


# --- create is governed like config

my $create_bad = canonical_json({ func_name => 'prod-new', package => 'default',
    runtime => 'Python2.7', handler => 'index.handler', memory_size => 256,
    timeout => 30, code_type => 'inline', code_encrypt_kms_key_id => $KMS,
    func_code => { file => 'aW1wb3J0IGpzb24K' } });
$r = $t->json_post(create_path(), $create_bad);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'create with a denied runtime',
                 rules => [qw(runtime-allowlist vpc-required)]);
is($r->header('x-fgs-op'), 'create', 'operation create');
$t->upstream_got_nothing('the denied create is not forwarded');

my $create_ok = canonical_json({ func_name => 'prod-new', package => 'default',
    runtime => 'Python3.12', handler => 'index.handler', memory_size => 256,
    timeout => 30, code_type => 'inline', code_encrypt_kms_key_id => $KMS,
    func_vpc => $prod_vpc, func_code => { file => 'aW1wb3J0IGpzb24K' } });
$r = $t->json_post(create_path(), $create_ok);
$t->is_status($r, 200, 'an allowed create passes');
$t->upstream_got('POST', create_path(), $create_ok,
                 'the allowed create is forwarded byte for byte');


# --- code-from-approved-obs (operations: code; when code_type obs)

my $obs_bad = canonical_json({ code_type => 'obs',
    code_url => 'https://evil.obs.cn-north-4.myhuaweicloud.com/x.zip',
    code_encrypt_kms_key_id => $KMS, func_code => {} });
$r = $t->json_put(code_path('dev-reports'), $obs_bad);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'code from an unapproved bucket',
                 rules => ['code-from-approved-obs'], fields => ['code_url']);
$t->upstream_got_nothing('unapproved bucket: nothing forwarded');

my $obs_ok = canonical_json({ code_type => 'obs',
    code_url => 'https://corp-fgs-code.obs.cn-north-4.myhuaweicloud.com/x.zip',
    code_encrypt_kms_key_id => $KMS, func_code => {} });
$r = $t->json_put(code_path('dev-reports'), $obs_ok);
$t->is_status($r, 200, 'code from the approved bucket passes');
$t->upstream_got('PUT', code_path('dev-reports'), $obs_ok,
                 'forwarded byte for byte');


# --- other_writes: audit (this file's), allow, deny

# a write no endpoint of the API reference is: an API added later
my $trigger = function_path(urn('dev-reports')) . '/future-api';
my $trigger_body = '{"trigger_type_code":"TIMER","event_data":{}}';

$r = $t->json_post($trigger, $trigger_body);
is($r->header('x-fgs-decision'), 'audit', 'other_writes audit: decision');
$t->upstream_got('POST', $trigger, $trigger_body,
                 'other_writes audit: forwarded byte for byte');

ok($t->reload(vars => { POLICY => data_path('policy-other-allow.json'),
                        MODE => '' }), 'reload: other_writes allow');
$r = $t->json_post($trigger, $trigger_body);
is($r->header('x-fgs-decision'), 'allow', 'other_writes allow: decision');
$t->upstream_got('POST', $trigger, $trigger_body,
                 'other_writes allow: forwarded byte for byte');

ok($t->reload(vars => { POLICY => data_path('policy-other-deny.json'),
                        MODE => '' }), 'reload: other_writes deny');
$r = $t->json_post($trigger, $trigger_body);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'other_writes deny: 403');
$t->upstream_got_nothing('other_writes deny: nothing forwarded');
$r = $t->request(method => 'DELETE',
                 target => function_path(urn('old-batch')) . '/future-api');
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'other_writes deny: DELETE too');
$t->upstream_got_nothing('DELETE denied: nothing forwarded');
$r = $t->request(method => 'GET', target => config_path('dev-reports'));
$t->is_status($r, 200, 'other_writes deny: reads still pass');
$r = $t->json_post(function_path(urn('dev-reports')) . '/invocations', '{}');
$t->is_status($r, 200, 'other_writes deny: invocations still pass');


# --- audit mode: the file's, and fgs_policy_mode overriding it

ok($t->reload(vars => { POLICY => data_path('policy-audit.json'),
                        MODE => '' }), 'reload: a policy in audit mode');
$r = $t->json_put(config_path('prod-orders'), $denied);
$t->is_status($r, 200, 'audit mode: the denied config is forwarded');
is($r->header('x-fgs-decision'), 'audit', 'audit mode: decision audit');
$t->upstream_got('PUT', config_path('prod-orders'), $denied,
                 'audit mode: forwarded byte for byte');

ok($t->reload(vars => { POLICY => data_path('policy.json'),
                        MODE => 'fgs_policy_mode audit;' }),
   'reload: fgs_policy_mode audit over an enforcing policy');
$r = $t->json_put(config_path('prod-orders'), $denied);
$t->is_status($r, 200, 'fgs_policy_mode audit: the denied config is forwarded');
is($r->header('x-fgs-decision'), 'audit', 'fgs_policy_mode audit: decision');
$t->upstream_got('PUT', config_path('prod-orders'), $denied,
                 'fgs_policy_mode audit: forwarded byte for byte');

# a dry run changes nothing: the KMS default is not added
$r = $t->json_put(config_path('dev-reports'), $nokms);
$t->is_status($r, 200, 'fgs_policy_mode audit: a body lacking the key passes');
is($r->header('x-fgs-decision'), 'audit',
   'fgs_policy_mode audit: the rewrite is only audited');
$t->upstream_got('PUT', config_path('dev-reports'), $nokms,
                 'fgs_policy_mode audit: forwarded without the rewrite');

# schema and target errors are not policy: audit mode still rejects them
$r = $t->json_put(config_path('prod-orders'), '{"func_name":');
$t->is_fgs_error($r, 400, 'FGSPOL.4000', 'audit mode: bad JSON still 400');
$r = $t->json_put(config_path('prod-orders'),
                  config_json('prod-orders', timeout => '30'));
$t->is_fgs_error($r, 400, 'FGSPOL.4001', 'audit mode: schema still 400');
$t->upstream_got_nothing('audit mode: nothing forwarded for a 400');

ok($t->reload(vars => { POLICY => data_path('policy-audit.json'),
                        MODE => 'fgs_policy_mode enforce;' }),
   'reload: fgs_policy_mode enforce over an audit policy');
$r = $t->json_put(config_path('prod-orders'), $denied);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'fgs_policy_mode enforce: denied');
$t->upstream_got_nothing('fgs_policy_mode enforce: nothing forwarded');

# back to the file's own mode
ok($t->reload(vars => { POLICY => data_path('policy.json'), MODE => '' }),
   'reload: the enforcing policy again');
$r = $t->json_put(config_path('prod-orders'), $denied);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'enforcing again after the reload');

$t->finish;


# --- policies set only in locations: governed there, and only there

my $loc = FgsTest->new(server => <<'CONF');
    add_header X-Fgs-Decision $fgs_policy_decision always;
    location / {
        fgs_policy %%DATA%%/policy.json;
        %%PROXY%%
    }
    location /v2/0123456789abcdef0123456789abcdef/fgs/functions/urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:ungoverned-fn/ {
        %%PROXY%%
    }
    location /v2/0123456789abcdef0123456789abcdef/fgs/functions/urn:fss:cn-north-4:0123456789abcdef0123456789abcdef:function:default:dev-reports/ {
        fgs_policy %%DATA%%/policy.json;
        fgs_policy_mode audit;
        %%PROXY%%
    }
CONF
$loc->start;
$loc->seed_functions(map { urn($_) } @names);

$r = $loc->json_put(config_path('prod-orders'), $denied);
$loc->is_fgs_error($r, 403, 'FGSPOL.4030',
                   'a policy set in a location governs it');
$loc->upstream_got_nothing('location policy: nothing forwarded');

$r = $loc->json_put(config_path('ungoverned-fn'), $ungoverned);
$loc->is_status($r, 200, 'a location without a policy is not governed');
ok(!$r->header('x-fgs-decision'), 'no decision there');
$loc->upstream_got('PUT', config_path('ungoverned-fn'), $ungoverned,
                   'forwarded byte for byte');

my $dev_denied = config_json('dev-reports', runtime => 'Python2.7',
                             code_encrypt_kms_key_id => $KMS);
$r = $loc->json_put(config_path('dev-reports'), $dev_denied);
$loc->is_status($r, 200, 'fgs_policy_mode audit in a location applies');
is($r->header('x-fgs-decision'), 'audit', 'decision audit there');
$loc->upstream_got('PUT', config_path('dev-reports'), $dev_denied,
                   'forwarded byte for byte');

$loc->finish;
done_testing;
