# Who changed what (docs/security.md, "Identities"; docs/audit.md, "A
# record"): identities read from the credentials FunctionGraph verifies
# (IAM tokens made here with "openssl cms -sign" over token JSON of the
# documented shape, the official SDK's AK/SK), the policy's principals
# deciding with match.principal, not_principal and "deny": true, an
# exception for one principal, ambiguous credentials refused and never
# forwarded, and every record naming the caller, its principals, the
# changed non-secret fields and FunctionGraph's request id.  A canary
# secret sent in every secret-bearing field is in no file the gateway
# writes.  fgs-policy eval decides the same requests the same way.

use strict;
use warnings;

use Test::More;
use MIME::Base64 qw(encode_base64);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my ($AK, $SK) = ('CIPIPELINEAK0123456789',
                 'ciPipelineSecretKey0123456789abcdefghijk');
my ($AK2, $SK2) = ('HUMANAK0123456789ABCD',
                   'humanSecretKey0123456789abcdefghijklmnop');
my $CANARY = 'c4n4ry-s3cr3t-7f2b9d';
my $P = PROJECT;
my $CLI = $FgsTest::CLI;

my $policy = FgsTest::json_encode({
    fgs_policy => 1,
    principals => {
        ci      => { access_keys => [$AK], users => ['ci-bot'] },
        billing => { domains => ['billing'] },
        ops     => { agencies => ['ops-agency'] },
        humans  => { user_ids => ['u-alice'] },
    },
    rules => [
        { id => 'prod-ci-only', deny => JSON::PP::true,
          description => 'only the CI pipeline may change prod-* functions',
          remediation => 'https://wiki.example/deploy',
          match => { function => '^prod-', not_principal => ['ci', 'ops'] } },
        { id => 'runtime-allowlist', operations => ['config', 'create'],
          description => 'approved runtimes only',
          check => { runtime => { in => ['Python3.12'] } } },
    ],
    exceptions => [
        { id => 'EXC-billing', rules => ['runtime-allowlist'],
          match => { principal => ['billing'] },
          expires => '2099-06-01T00:00:00Z', reason => 'migration' },
    ],
});

my $server = <<'CONF';
    fgs_policy %%PREFIX%%/data/identity-policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log flush=100ms;
    access_log %%PREFIX%%/logs/who.log who;
    add_header X-Fgs-Request-Id $request_id always;
    location / {
        %%PROXY%%
    }
CONF

my $t = FgsTest->new(mock_args => ['--ak', $AK, '--sk', $SK],
    http => 'log_format who "$fgs_policy_identity [$fgs_policy_principals] '
            . '$fgs_policy_decision $status";',
    server => $server);
my $prefix = $t->prefix;
FgsTest::spew("$prefix/data/identity-policy.json", $policy);

# nginx -t refuses a match that names an unknown principal
(my $bad = $policy) =~ s/"not_principal":\["ci","ops"\]/"not_principal":["cj"]/;
FgsTest::spew("$prefix/data/bad-policy.json", $bad);
my ($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%PREFIX%%/data/bad-policy.json;
    location / { %%PROXY%% }
CONF
ok($rc != 0 && $out =~ /no principal is named "cj"/,
   'nginx -t: a match naming an unknown principal is refused')
    or diag($out);

$t->start;
$t->seed_functions(map { urn($_) } qw(prod-orders dev-reports));

# --- tokens: CMS signed data over token JSON, signed by a test CA

my $ssl = "$prefix/data";
FgsTest::run_cmd(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
                  '-keyout', "$ssl/iam.key", '-out', "$ssl/iam.crt",
                  '-days', '2', '-subj', '/CN=iam-test'],
                 "$ssl/openssl.out", 60) == 0
    or BAIL_OUT('openssl req failed: ' . FgsTest::slurp("$ssl/openssl.out"));

my $ntok = 0;

sub token {
    my (%o) = @_;
    my $dom = { id => $o{domain_id} // 'd-acme',
                name => $o{domain} // 'acme' };
    my $tok = {
        expires_at => $o{expires} // '2099-01-01T00:00:00.000000Z',
        issued_at => '2026-01-01T00:00:00.000000Z',
        methods => [$o{by} ? 'assume_role' : 'password'],
        catalog => [], roles => [{ id => '0', name => 'op_gated' }],
        domain => $dom,
        project => { id => $P, name => 'cn-north-4', domain => $dom },
        user => { id => $o{user_id} // "u-$o{user}", name => $o{user},
                  domain => $dom, password_expires_at => '' },
    };
    $tok->{assumed_by} = { user => { id => "u-$o{by}", name => $o{by},
                                     domain => { id => 'd-b', name => 'b' },
                                     password_expires_at => '' } }
        if $o{by};
    my $n = ++$ntok;
    FgsTest::spew("$ssl/tok$n.json", FgsTest::json_encode({ token => $tok }));
    FgsTest::run_cmd(['openssl', 'cms', '-sign', '-nodetach', '-binary',
                      '-in', "$ssl/tok$n.json", '-signer', "$ssl/iam.crt",
                      '-inkey', "$ssl/iam.key", '-outform', 'DER',
                      '-out', "$ssl/tok$n.der"], "$ssl/cms$n.out", 60) == 0
        or BAIL_OUT('openssl cms failed');
    my $b64 = encode_base64(FgsTest::slurp("$ssl/tok$n.der"), '');
    $b64 =~ tr{/}{-} unless $o{standard};
    return $b64;
}

my %tok = (
    ci      => token(user => 'ci-bot'),
    alice   => token(user => 'alice', user_id => 'u-alice'),
    billing => token(user => 'carol', domain => 'billing',
                     domain_id => 'd-billing', standard => 1),
    agency  => token(user => 'acme/ops-agency', by => 'bob'),
    rogue   => token(user => 'acme/rogue-agency', by => 'eve'),
    expired => token(user => 'ci-bot',
                     expires => '2020-01-01T00:00:00.000000Z'),
);
like($tok{ci}, qr/^MII/, 'a token made here begins MII, as IAM\'s do');

my $audit = "$prefix/logs/audit.log";

sub record_of {
    my ($r) = @_;
    my $id = $r->header('x-fgs-request-id') // '';
    for (1 .. 60) {
        my @recs = grep { ($_->{request_id} // '') eq $id }
                   $t->audit_records('request', $audit);
        return $recs[0] if @recs;
        select(undef, undef, undef, 0.05);
    }
    return undef;
}

sub forwarded { return scalar @{ $t->mock_requests } }

sub put_config {
    my ($name, $token, %f) = @_;
    return $t->json_put(config_path($name), config_json($name, %f),
                        'X-Auth-Token' => $token);
}

# --- a user by token: allowed and denied on prod-*

my $r = put_config('prod-orders', $tok{ci});
$t->is_status($r, 200, 'token of ci-bot (principal ci): prod-orders '
                       . 'changed');
is(forwarded(), 1, '... forwarded');
my $rec = record_of($r);
is($rec->{identity}{type}, 'token', 'record: a token');
is($rec->{identity}{user}{name}, 'ci-bot', 'record: the user by name');
is($rec->{identity}{user}{id}, 'u-ci-bot', 'record: the user by id');
is($rec->{identity}{domain}{name}, 'acme', 'record: the domain');
is_deeply($rec->{identity}{principals}, ['ci'], 'record: principals [ci]');
is($rec->{identity}{expired}, JSON::PP::false, 'record: not expired');
is($rec->{changes}{runtime}, 'Python3.12', 'record: changes.runtime');
is($rec->{changes}{memory_size}, 512, 'record: changes.memory_size');
ok($rec->{upstream_request_id}
   && $rec->{upstream_request_id} eq ($r->header('x-request-id') // ''),
   'record: FunctionGraph\'s X-Request-Id as upstream_request_id')
    or diag(explain($rec->{upstream_request_id}));

$r = put_config('prod-orders', $tok{alice});
my $e = $t->is_fgs_error($r, 403, 'FGSPOL.4030',
                         'token of alice: prod-orders denied');
like($e->{error_msg} // '', qr/only the CI pipeline may change prod-\* .*wiki\.example\/deploy/,
     'error_msg: the rule\'s description and remediation');
like($e->{violations}[0]{message} // '', qr/only the CI pipeline/,
     'violation: the description');
is(forwarded(), 0, '... never forwarded');
$rec = record_of($r);
is($rec->{identity}{user}{name}, 'alice', 'record of the denial: alice');
is_deeply($rec->{identity}{principals}, ['humans'],
          'record: principals by user id');
is($rec->{changes}{runtime}, 'Python3.12',
   'record of a denial: the changes asked for');

# --- by domain: an exception for one principal

$r = put_config('dev-reports', $tok{billing}, runtime => 'Python3.9');
$t->is_status($r, 200, 'token of the billing domain (standard base64): '
                       . 'EXC-billing waives the runtime rule');
$rec = record_of($r);
is_deeply($rec->{waived}, [{ rule => 'runtime-allowlist',
                             exception => 'EXC-billing' }],
          'record: waived by EXC-billing');
is_deeply($rec->{identity}{principals}, ['billing'],
          'record: principals [billing]');

$r = put_config('dev-reports', $tok{alice}, runtime => 'Python3.9');
$e = $t->is_fgs_error($r, 403, 'FGSPOL.4030',
                      'the same change by another domain is denied');
like($e->{error_msg} // '', qr/approved runtimes only/,
     'error_msg: the runtime rule\'s description');

# --- by agency

$r = put_config('prod-orders', $tok{agency});
$t->is_status($r, 200, 'agency token of ops-agency (principal ops): '
                       . 'allowed');
$rec = record_of($r);
is($rec->{identity}{agency}, 'ops-agency', 'record: the agency');
is($rec->{identity}{assumed_by}{name}, 'bob', 'record: who assumed it');
is_deeply($rec->{identity}{principals}, ['ops'], 'record: principals [ops]');

$r = put_config('prod-orders', $tok{rogue});
$t->is_fgs_error($r, 403, 'FGSPOL.4030',
                 'agency token of another agency: denied');
is(forwarded(), 0, '... never forwarded');

# --- a token that does not decode, an expired one

$r = $t->json_put(config_path('prod-orders'), config_json('prod-orders'));
$t->is_fgs_error($r, 403, 'FGSPOL.4030',
                 'a token that does not decode matches no principal');
$rec = record_of($r);
is($rec->{identity}{type}, 'token', 'record: a token');
is($rec->{identity}{decoded}, JSON::PP::false, 'record: not decoded');
like($rec->{identity}{token_sha256} // '', qr/^[0-9a-f]{16}$/,
     'record: by its hash prefix');
is_deeply($rec->{identity}{principals}, [], 'record: no principal');

$r = put_config('prod-orders', $tok{expired});
$t->is_status($r, 200, 'an expired token is forwarded: FunctionGraph '
                       . 'answers for it');
$rec = record_of($r);
is($rec->{identity}{expired}, JSON::PP::true, 'record: expired');
is($rec->{identity}{expires_at}, '2020-01-01T00:00:00Z',
   'record: expires_at');

# --- ambiguous credentials: refused, never forwarded

my @amb = (
    ['a token and a signature', 'X-Auth-Token' => $tok{ci},
     'Authorization' => "SDK-HMAC-SHA256 Access=$AK, SignedHeaders=host, "
                        . 'Signature=00'],
    ['two tokens', 'X-Auth-Token' => $tok{ci}, 'X-Auth-Token' => $tok{alice}],
    ['two security tokens', 'X-Auth-Token' => undef,
     'Authorization' => "SDK-HMAC-SHA256 Access=$AK, SignedHeaders=host, "
                        . 'Signature=00',
     'X-Security-Token' => 'a', 'X-Security-Token' => 'b'],
);
for my $c (@amb) {
    my ($name, @h) = @$c;
    $r = $t->json_put(config_path('prod-orders'),
                      config_json('prod-orders'), @h);
    $e = $t->is_fgs_error($r, 401, 'FGSPOL.4010', "$name: 401 FGSPOL.4010");
    is(forwarded(), 0, "$name: never forwarded");
    $rec = record_of($r);
    is($rec && $rec->{error_code}, 'FGSPOL.4010', "$name: recorded");
}

# two Authorization headers: nginx itself refuses them, before the module
$r = $t->json_put(config_path('prod-orders'), config_json('prod-orders'),
    'X-Auth-Token' => undef,
    'Authorization' => "SDK-HMAC-SHA256 Access=$AK, SignedHeaders=h, "
                       . 'Signature=00',
    'Authorization' => "SDK-HMAC-SHA256 Access=$AK2, SignedHeaders=h, "
                       . 'Signature=00');
ok($r->status == 400 || $r->status == 401,
   'two Authorization headers: refused (' . $r->status . ')');
is(forwarded(), 0, 'two Authorization headers: never forwarded');

# --- the official SDK with AK/SK

my @sdk = ('--project' => $P, '--op' => 'config',
           '--urn' => urn('prod-orders'), '--func-name' => 'prod-orders',
           '--runtime' => 'Python3.12', '--memory' => '512',
           '--timeout' => '30', '--handler' => 'index.handler');
my ($src, $lines) = $t->sdk('--ak' => $AK, '--sk' => $SK, @sdk);
is($lines->[0]{status}, 200, 'SDK with the CI access key: prod-orders '
                             . 'changed') or diag(explain($lines));
my $got = $t->mock_requests;
is(scalar @$got, 1, '... forwarded, the signature verified by the mock');
my @recs;
for (1 .. 60) {
    @recs = grep { ref $_->{identity} && ($_->{status} // 0) == 200
                   && ($_->{identity}{access_key} // '') eq $AK }
            $t->audit_records('request', $audit);
    last if @recs;
    select(undef, undef, undef, 0.05);
}
ok(@recs && $recs[-1]{identity}{type} eq 'aksk'
   && "@{ $recs[-1]{identity}{principals} }" eq 'ci',
   'record: the access key and principal ci');

($src, $lines) = $t->sdk('--ak' => $AK2, '--sk' => $SK2, @sdk);
is($lines->[0]{status}, 403, 'SDK with another access key: denied')
    or diag(explain($lines));
is(scalar @{ $t->mock_requests }, 0, '... never forwarded');

# --- changes of code, config and create; canaries in every secret

my $code = '{"code_type":"zip","code_filename":"index.zip",'
    . '"func_code":{"file":"' . encode_base64("PK$CANARY", '') . '",'
    . '"link":"https://obs.example/b/l.zip"}}';
$r = $t->json_put(code_path('dev-reports'), $code,
                  'X-Auth-Token' => $tok{ci});
$t->is_status($r, 200, 'code by ci-bot');
$rec = record_of($r);
is_deeply($rec->{changes},
          { code_type => 'zip', code_filename => 'index.zip',
            func_code => { link => 'https://obs.example/b/l.zip' } },
          'code: changes without func_code.file')
    or diag(explain($rec->{changes}));

$code = '{"code_type":"obs","code_url":"https://obs.example/b/c.zip?'
        . 'AccessKeyId=AK&Signature=' . $CANARY . '","func_code":{}}';
$r = $t->json_put(code_path('dev-reports'), $code,
                  'X-Auth-Token' => $tok{ci});
$t->is_status($r, 200, 'code from OBS by ci-bot');
$rec = record_of($r);
is_deeply($rec->{changes},
          { code_type => 'obs', code_url => 'https://obs.example/b/c.zip?...',
            func_code => {} },
          'code: a URL without its query (a presigned signature)')
    or diag(explain($rec->{changes}));

$r = put_config('dev-reports', $tok{ci},
                user_data => "{\"PASSWORD\":\"$CANARY\"}",
                encrypted_user_data => $CANARY,
                func_vpc => { vpc_id => 'vpc-1', subnet_id => 'sub-1' },
                code_encrypt_kms_key_id => 'kms-key-1',
                lts_custom_tag => { team => 'billing', api_token => $CANARY });
$t->is_status($r, 200, 'config by ci-bot');
$rec = record_of($r);
is_deeply($rec->{changes},
          { func_name => 'dev-reports', runtime => 'Python3.12',
            handler => 'index.handler', memory_size => 512, timeout => 30,
            func_vpc => { vpc_id => 'vpc-1', subnet_id => 'sub-1' },
            code_encrypt_kms_key_id => 'kms-key-1',
            lts_custom_tag => { team => 'billing' } },
          'config: changes without user_data, encrypted_user_data or a '
          . 'token-named tag')
    or diag(explain($rec->{changes}));

my $create = config_json('dev-new', package => 'default',
                         code_type => 'zip', code_filename => 'index.zip',
                         user_data => $CANARY,
                         func_code => { file => encode_base64($CANARY, '') });
$r = $t->json_post(create_path(), $create, 'X-Auth-Token' => $tok{ci});
$t->is_status($r, 200, 'create by ci-bot');
$rec = record_of($r);
ok($rec && $rec->{changes}{func_name} eq 'dev-new'
   && $rec->{changes}{package} eq 'default'
   && $rec->{changes}{code_type} eq 'zip'
   && !exists $rec->{changes}{user_data}
   && !exists $rec->{changes}{func_code}{file},
   'create: changes without user_data and func_code.file')
    or diag(explain($rec && $rec->{changes}));

# --- the same decisions in the CLI

my $pol = "$prefix/data/identity-policy.json";
my $body = "$prefix/data/prod-body.json";
FgsTest::spew($body, config_json('prod-orders'));
for my $c (['ci', 0, 'allow'], ['alice', 3, 'deny'], ['agency', 0, 'allow'],
           ['rogue', 3, 'deny'])
{
    my ($who, $exit, $decision) = @$c;
    FgsTest::spew("$prefix/data/h-$who.txt", "X-Auth-Token: $tok{$who}\n");
    my $o = "$prefix/logs/cli-$who.out";
    my $x = FgsTest::run_cmd([$CLI, 'eval', $pol, '--op', 'config',
                              '--urn', urn('prod-orders'), '--headers',
                              "$prefix/data/h-$who.txt", $body], $o, 60);
    my $j = eval { FgsTest::json_decode(FgsTest::slurp($o)) } // {};
    ok($x == $exit && ($j->{decision} // '') eq $decision,
       "fgs-policy eval --headers, token of $who: $decision as the gateway")
        or diag(FgsTest::slurp($o));
}
for my $c (["access_key=$AK", 0], ["access_key=$AK2", 3],
           ['user=carol,domain=billing', 3], ['agency=ops-agency', 0])
{
    my ($spec, $exit) = @$c;
    my $o = "$prefix/logs/cli-id.out";
    my $x = FgsTest::run_cmd([$CLI, 'eval', $pol, '--op', 'config',
                              '--urn', urn('prod-orders'), '--identity',
                              $spec, $body], $o, 60);
    is($x, $exit, "fgs-policy eval --identity $spec: exit $exit")
        or diag(FgsTest::slurp($o));
}
FgsTest::spew("$prefix/data/h-amb.txt",
              "X-Auth-Token: $tok{ci}\nX-Auth-Token: $tok{alice}\n");
my $x = FgsTest::run_cmd([$CLI, 'eval', $pol, '--op', 'config', '--urn',
                          urn('prod-orders'), '--headers',
                          "$prefix/data/h-amb.txt", $body],
                         "$prefix/logs/cli-amb.out", 60);
like(FgsTest::slurp("$prefix/logs/cli-amb.out"), qr/FGSPOL\.4010/,
     'fgs-policy eval: two tokens are refused with FGSPOL.4010');

# --- the access log's identity label; the audit verifies

my $who = FgsTest::slurp("$prefix/logs/who.log");
like($who, qr{^user:acme/ci-bot \[ci\] allow 200$}m,
     '$fgs_policy_identity and $fgs_policy_principals in log_format');
like($who, qr{^ak:$AK \[ci\] allow 200$}m, '... and an access key');

$t->stop;

my ($vrc, $vout) = $t->verify_audit($audit);
is($vrc, 0, 'verify-audit: the records with identities and changes '
            . 'verify') or diag($vout);

# --- no canary in any file the gateway wrote

my @files = glob("$prefix/logs/*.log");
ok(scalar @files >= 3, 'logs to search: ' . join(' ', map { s{.*/}{}r }
                                                    @files));
for my $f (@files) {
    my $text = FgsTest::slurp($f);
    unlike($text, qr/\Q$CANARY\E/, "no canary secret in $f")
        and next;
}

done_testing();
