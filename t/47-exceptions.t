# Exceptions (docs/policy-language.md, "Exceptions" and "Exceptions over
# time") through nginx and the CLI: an exception that expires a few seconds
# after nginx starts waives its rules (a check and a set_default: the body
# is forwarded byte for byte, no rule acted) until it expires; past the
# expiry, with no reload and the same worker, the same request is denied and
# the default is added again.  The CLI decides the same policy alike with
# --now before, at and after the expiry.  Exceptions scoped by function,
# package (of a create's body), project and version, and one that expired
# long ago.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

use POSIX qw(strftime);
use Time::HiRes qw(sleep time);

my $CLI = $FgsTest::CLI;
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
my $LEAD = 6;               # seconds from the policy's writing to expiry

sub rfc3339 {
    my ($epoch, $offset_hours) = @_;
    return strftime('%Y-%m-%dT%H:%M:%SZ', gmtime $epoch)
        unless $offset_hours;
    return strftime('%Y-%m-%dT%H:%M:%S', gmtime($epoch + 3600 * $offset_hours))
           . sprintf('+%02d:00', $offset_hours);
}

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%PREFIX%%/conf/policy-exceptions.json;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Fgs-Rules $fgs_policy_rules always;
    location / {
        %%PROXY%%
    }
CONF

my $expires = int(time) + $LEAD;
my $policy_file = $t->prefix . '/conf/policy-exceptions.json';
FgsTest::spew($policy_file, json_encode({
    fgs_policy => 1,
    mode => 'enforce',
    rules => [
        { id => 'runtime-allowlist', operations => ['config', 'create'],
          check => { runtime => { in => ['Python3.12'] } } },
        { id => 'kms-default', operations => ['config', 'create'],
          set_default => { code_encrypt_kms_key_id => $KMS },
          check => { code_encrypt_kms_key_id => { in => [$KMS] } } },
    ],
    exceptions => [
        { id => 'EXC-SOON', rules => ['runtime-allowlist', 'kms-default'],
          match => { function => '^legacy-' },
          expires => rfc3339($expires), reason => 'expires in seconds' },
        { id => 'EXC-PKG', rules => ['runtime-allowlist'],
          match => { function => '^infer-', package => '^ml$' },
          expires => '2099-01-01T00:00:00Z', reason => 'ML package' },
        { id => 'EXC-PROJ', rules => ['runtime-allowlist'],
          match => { project_id => [OTHER_PROJECT] },
          expires => '2099-01-01T00:00:00Z', reason => 'sandbox project' },
        { id => 'EXC-VER', rules => ['runtime-allowlist'],
          match => { function => '^canary$', version => '^beta$' },
          expires => '2099-01-01T00:00:00Z', reason => 'beta alias' },
        { id => 'EXC-PAST', rules => ['runtime-allowlist'],
          match => { function => '^old-' },
          expires => '2000-01-01T00:00:00Z', reason => 'long expired' },
    ],
}));

$t->start;

my %fn = (legacy => urn('legacy-billing'), old => urn('old-batch'),
          ml => urn('infer-a', package => 'ml'),
          notml => urn('infer-a'),
          other => urn('dev-x', project => OTHER_PROJECT),
          beta => urn('canary', version => 'beta'),
          prod => urn('canary', version => 'prod'));
$t->seed_functions(values %fn);

sub body {
    my ($name, %o) = @_;
    return canonical_json({ func_name => $name, runtime => 'Python2.7',
                            handler => 'index.handler', memory_size => 512,
                            timeout => 30, %o });
}

sub put_config {
    my ($urn, $body) = @_;
    my $proj = (split /:/, $urn)[3];
    my $path = function_path($urn, project => $proj) . '/config';
    return ($t->json_put($path, $body), $path);
}

# waived: forwarded byte for byte, no rule named
sub waived {
    my ($name, $urn, $body) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my ($r, $path) = put_config($urn, $body);
    subtest $name => sub {
        is($r->status, 200, 'forwarded') or diag($r->summary);
        is($r->header('x-fgs-decision'), 'allow', 'decision allow');
        ok(!defined $r->header('x-fgs-rules'), 'no rule acted');
        $t->upstream_got('PUT', $path, $body, 'byte for byte');
    };
}

sub denied {
    my ($name, $urn, $body) = @_;
    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my ($r) = put_config($urn, $body);
    $t->is_fgs_error($r, 403, 'FGSPOL.4030', $name,
                     rules => ['runtime-allowlist'], fields => ['runtime'],
                     nviolations => 1);
    $t->upstream_got_nothing("$name: nothing forwarded");
}


# --- before the expiry

my @workers = $t->worker_pids;
my $legacy = body('legacy-billing');

ok(time < $expires - 1, 'the first requests are made before the expiry')
    or diag('the machine is too slow for a ' . $LEAD . ' s lead');
waived('EXC-SOON live: the runtime and the KMS default waived',
       $fn{legacy}, $legacy);
denied('EXC-PAST expired long ago: waives nothing', $fn{old},
       body('old-batch', code_encrypt_kms_key_id => $KMS));
waived('EXC-PKG: a function of the ml package', $fn{ml},
       body('infer-a', code_encrypt_kms_key_id => $KMS));
denied('EXC-PKG: the same name in another package', $fn{notml},
       body('infer-a', code_encrypt_kms_key_id => $KMS));
waived('EXC-PROJ: a function of the listed project', $fn{other},
       body('dev-x', code_encrypt_kms_key_id => $KMS));
waived('EXC-VER: the beta version', $fn{beta},
       body('canary', code_encrypt_kms_key_id => $KMS));
denied('EXC-VER: another version', $fn{prod},
       body('canary', code_encrypt_kms_key_id => $KMS));

# create: the package and the name come from the body
{
    my $create = canonical_json({ func_name => 'infer-b', package => 'ml',
        runtime => 'Python2.7', handler => 'index.handler',
        memory_size => 512, timeout => 30, code_type => 'inline',
        code_encrypt_kms_key_id => $KMS,
        func_code => { file => 'aW1wb3J0IGpzb24K' } });
    my $r = $t->json_post(create_path(), $create);
    $t->is_status($r, 200, 'EXC-PKG: a create in the ml package is waived');
    $t->upstream_got('POST', create_path(), $create, 'byte for byte');
    (my $other = $create) =~ s/"package":"ml"/"package":"default"/;
    $r = $t->json_post(create_path(), $other);
    $t->is_fgs_error($r, 403, 'FGSPOL.4030',
                     'EXC-PKG: a create in another package is denied',
                     rules => ['runtime-allowlist']);
}
ok(time < $expires, 'all of it before the expiry')
    or diag('the machine is too slow for a ' . $LEAD . ' s lead');


# --- past the expiry: no reload, the same workers

my $deadline = time + $LEAD + 5;
sleep 0.1 while time < $expires + 1.2 && time < $deadline;
ok(time >= $expires + 1, 'the exception has expired');

denied('EXC-SOON expired: the same request is denied', $fn{legacy},
       $legacy);

{
    my $ok = body('legacy-billing', runtime => 'Python3.12');
    my ($r, $path) = put_config($fn{legacy}, $ok);
    is($r->status, 200, 'EXC-SOON expired: a compliant body is forwarded');
    is($r->header('x-fgs-decision'), 'rewrite',
       'and the KMS default applies again: rewrite');
    my $rec = $t->mock_requests->[-1];
    my $got = $rec ? json_decode($rec->{body}) : {};
    is($got->{code_encrypt_kms_key_id}, $KMS, 'the key was added');
}

is_deeply([ $t->worker_pids ], \@workers,
          'the same workers served before and after: no reload');
waived('EXC-PKG still live after EXC-SOON expired', $fn{ml},
       body('infer-a', code_encrypt_kms_key_id => $KMS));


# --- the CLI with --now, on the same policy

sub cli {
    my ($now, $name) = @_;
    my $bodyf = $t->prefix . '/data/legacy.json';
    FgsTest::spew($bodyf, $legacy);
    my $out = $t->prefix . '/data/cli.out';
    my $rc = FgsTest::run_cmd([$CLI, 'eval', $policy_file, '--op', 'config',
                               '--urn', $fn{legacy}, '--now', $now, $bodyf],
                              $out, 30);
    my $res = eval { json_decode(FgsTest::slurp($out)) } // {};
    return ($rc, $res);
}

my ($rc, $res) = cli(rfc3339($expires - 1), 'one second before');
is($rc, 0, 'CLI --now one second before the expiry: forwarded');
is($res->{decision}, 'allow', 'decision allow');
is_deeply([ sort map { "$_->{rule}:$_->{exception}" } @{ $res->{waived} } ],
          [ 'kms-default:EXC-SOON', 'runtime-allowlist:EXC-SOON' ],
          'both rules waived by EXC-SOON');

($rc, $res) = cli(rfc3339($expires - 1, 8), 'the same in +08:00');
is($res->{decision}, 'allow', 'CLI --now with a +08:00 offset: the same');

($rc, $res) = cli(rfc3339($expires), 'at the expiry');
is($rc, 3, 'CLI --now at the expiry: denied');
is($res->{decision}, 'deny', 'decision deny');
is_deeply([ map { "$_->{rule}:$_->{field}" } @{ $res->{violations} } ],
          ['runtime-allowlist:runtime'], 'the runtime violation');
is_deeply($res->{waived}, [], 'nothing waived');

($rc, $res) = cli(rfc3339($expires + 3600), 'an hour after');
is($res->{decision}, 'deny', 'CLI --now an hour after: denied');

$t->finish;
done_testing;
