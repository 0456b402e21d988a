# The official FunctionGraph Node.js SDK, signing with AK/SK, end to end
# through the gateway to the mock, which verifies every signature: code,
# config and create calls succeed with the signature intact; a denial and
# the signed-body rewrite refusal (FGSPOL.4031) reach the SDK as its
# error_code.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my ($AK, $SK) = ('E2ETESTAK0123456789', 'e2eTestSecretKey0123456789abcdefghijklmn');
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';

my $t = FgsTest->new(mock_args => ['--ak', $AK, '--sk', $SK],
                     vars => { POLICY => data_path('policy.json') },
                     server => <<'CONF');
    fgs_policy %%POLICY%%;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    location / {
        %%PROXY%%
    }
CONF
$t->start;

my $P = PROJECT;
my $dev = urn('dev-reports');
my $prod = urn('prod-orders');
$t->seed_functions($dev, $prod);

my @common = ('--ak' => $AK, '--sk' => $SK, '--project' => $P);

# one SDK call: returns its line and the mock's record of it
sub call {
    my ($name, @args) = @_;
    my ($rc, $lines, $said) = $t->sdk(@common, @args);
    ok(@$lines == 1 && !exists $lines->[0]{raw}, "$name: the SDK answered")
        or diag($said);
    return ($lines->[0] // {}, $t->mock_requests);
}

sub signed_ok {
    my ($name, $recs, $op) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    subtest "$name: the mock verified the signature" => sub {
        is(scalar @$recs, 1, 'the upstream got one request');
        my $rec = $recs->[0] or return;
        is($rec->{raw}{operation}, $op, "operation $op");
        my $v = $rec->{signature};
        ok(JSON::PP::is_bool($v) && $v, 'signature verdict true')
            or diag(explain $rec->{raw}{auth} // $rec->{signature});
    };
}


# --- signed code update that needs no rewrite: passes, signature intact

my ($l, $recs) = call('code', '--op' => 'code', '--urn' => $dev,
                      '--code-type' => 'zip', '--code-filename' => 'index.zip',
                      '--kms' => $KMS);
is($l->{status}, 200, 'code: 200 through the gateway') or diag(explain $l);
signed_ok('code', $recs, 'code');
ok($l->{digest} && $l->{digest} =~ /^[0-9a-f]{128}$/,
   'code: the SDK read the digest of the new code');

{
    my ($rc, $lines, $said) = $t->sdk(@common, '--op' => 'code',
                                      '--urn' => $dev, '--kms' => $KMS,
                                      '--repeat' => 3);
    is(scalar(grep { ($_->{status} // 0) == 200 } @$lines), 3,
       'three code calls on one SDK client pass') or diag($said);
    my $recs = $t->mock_requests;
    is(scalar(grep { JSON::PP::is_bool($_->{signature}) && $_->{signature} }
              @$recs), 3, 'the mock verified all three signatures');
}

# --- a signed config update: the SDK's config model has no
#     code_encrypt_kms_key_id, so kms-default must add it: 4031

($l, $recs) = call('config, signed', '--op' => 'config', '--urn' => $dev,
                   '--runtime' => 'Python3.12', '--memory' => 512);
is($l->{status}, 403, 'signed config needing a rewrite: 403');
is($l->{error_code}, 'FGSPOL.4031', 'the SDK sees FGSPOL.4031');
like($l->{error_msg} // '', qr/code_encrypt_kms_key_id/,
     'the message names the field to set');
is(scalar @$recs, 0, '4031: the upstream got nothing');

# --- the same with an unsigned payload: rewritten, signature still valid

($l, $recs) = call('config, unsigned payload', '--op' => 'config',
                   '--urn' => $dev, '--runtime' => 'Python3.12',
                   '--memory' => 512, '--unsigned-payload' => undef);
is($l->{status}, 200, 'unsigned payload: the rewritten config passes')
    or diag(explain $l);
signed_ok('config, unsigned payload', $recs, 'config');
my $got = $recs->[0] ? eval { json_decode($recs->[0]{body}) } : undef;
is($got && $got->{code_encrypt_kms_key_id}, $KMS,
   'the upstream got the KMS key added');
is($recs->[0] && $recs->[0]{headers}{'content-length'},
   $recs->[0] && length $recs->[0]{body}, 'with a correct Content-Length');

# --- a denied change surfaces its error_code

($l, $recs) = call('config, denied', '--op' => 'config', '--urn' => $prod,
                   '--runtime' => 'Python2.7', '--memory' => 4096,
                   '--unsigned-payload' => undef);
is($l->{status}, 403, 'a denied config: 403');
is($l->{error_code}, 'FGSPOL.4030', 'the SDK sees FGSPOL.4030');
like($l->{error_msg} // '', qr/runtime/, 'and a message about the runtime');
like($l->{request_id} // '', qr/^[0-9a-f]{32}$/,
     'and the request_id, from the X-Request-Id header of the error')
    or diag(explain $l);
is(scalar @$recs, 0, 'denied: the upstream got nothing');

($l, $recs) = call('code, denied', '--op' => 'code', '--urn' => $dev,
                   '--kms' => 'an-unapproved-key');
is($l->{status}, 403, 'code with an unapproved KMS key: 403');
is($l->{error_code}, 'FGSPOL.4030', 'the SDK sees FGSPOL.4030');
like($l->{error_msg} // '', qr/kms-default|code_encrypt_kms_key_id/,
     'naming the rule or the field');
is(scalar @$recs, 0, 'the upstream got nothing');

# --- create, signed, allowed

($l, $recs) = call('create', '--op' => 'create', '--func-name' => 'dev-new',
                   '--runtime' => 'Python3.12', '--kms' => $KMS);
is($l->{status}, 200, 'create: 200') or diag(explain $l);
signed_ok('create', $recs, 'create');

# --- a policy without rewrites: a signed config passes byte for byte

ok($t->reload(vars => { POLICY => data_path('policy-plain.json') }),
   'reload with a policy without rewrites');
($l, $recs) = call('config, signed, no rewrite', '--op' => 'config',
                   '--urn' => $dev, '--runtime' => 'Python3.12',
                   '--memory' => 512, '--user-data' => '{"k":"v"}',
                   '--vpc-id' => 'vpc-0a1b2c', '--subnet-id' => 'subnet-1');
is($l->{status}, 200, 'a signed config passes');
signed_ok('config, signed, no rewrite', $recs, 'config');

($l, $recs) = call('config, signed, schema error', '--op' => 'config',
                   '--urn' => $dev, '--timeout' => 1);
is($l->{status}, 400, 'a config the schema refuses: 400');
is($l->{error_code}, 'FGSPOL.4001', 'the SDK sees FGSPOL.4001');
is(scalar @$recs, 0, 'the upstream got nothing');

$t->finish;
done_testing;
