# The module loads into the system nginx; nginx -t accepts a good policy
# and names the file, the rule and the field of a bad one; a reload swaps
# policies, and a reload with a bad policy keeps the old one serving.

use strict;
use warnings;

use Test::More;
use File::Basename qw(basename);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%POLICY%%;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    location / {
        %%PROXY%%
    }
CONF

ok(-f $FgsTest::MODULE, "the module is built: $FgsTest::MODULE")
    or BAIL_OUT('build the module first: make module');

my ($rc, $out);

($rc, $out) = $t->nginx_t(server => "location / { %%PROXY%% }");
is($rc, 0, 'nginx -t passes with the module loaded and no policy')
    or diag($out);

for my $policy ("$FgsTest::ROOT/conf/policy.json",
                data_path('policy.json'), data_path('policy-plain.json'))
{
    SKIP: {
        skip "$policy is not there", 1 unless -f $policy;
        ($rc, $out) = $t->nginx_t(server => "fgs_policy $policy;\n"
                                            . "location / { %%PROXY%% }");
        is($rc, 0, "nginx -t accepts $policy") or diag($out);
    }
}

($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_mode audit;
    fgs_policy_max_body_size 10m;
    location /v2/ {
        fgs_policy_mode enforce;
        %%PROXY%%
    }
    location /other/ {
        fgs_policy off;
        %%PROXY%%
    }
CONF
is($rc, 0, 'the directives are accepted at server and location level')
    or diag($out);

($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log;
    fgs_policy_audit_fail open;
    location /v2/ {
        fgs_policy_audit_fail closed;
        %%PROXY%%
    }
    location /other/ {
        fgs_policy_audit_log off;
        %%PROXY%%
    }
    location = /__metrics {
        fgs_policy_metrics;
    }
CONF
is($rc, 0, 'fgs_policy_audit_log, fgs_policy_audit_fail and '
           . 'fgs_policy_metrics are accepted') or diag($out);

# A bad policy: nginx -t fails and says where (file, rule, field).
my @bad = (
    [ 'bad-json.json',         undef,              undef ],
    [ 'unknown-key.json',      'typo-rule',        qr/operashuns/ ],
    [ 'bad-regex.json',        'bad-regex-rule',   qr/func_name|pattern/ ],
    [ 'duplicate-id.json',     'twice-rule',       qr/\bid\b/ ],
    [ 'unknown-check.json',    'odd-check-rule',   qr/one_of/ ],
    [ 'bad-version.json',      undef,              qr/fgs_policy/ ],
    [ 'bad-mode.json',         undef,              qr/\bmode\b/ ],
    [ 'bad-rule-mode.json',    'rule-mode-rule',   qr/\bmode\b/ ],
    [ 'bad-operation.json',    'op-rule',          qr/operations|cofnig/ ],
    [ 'bad-id.json',           undef,              qr/\bid\b/ ],
    [ 'bad-other-writes.json', undef,              qr/other_writes/ ],
    [ 'duplicate-key.json',    'dupkey-rule',      qr/check/ ],
    [ 'bad-expires.json',      'EXC-2',            qr/expires/ ],
    [ 'bad-match-regex.json',  'match-regex-rule', qr/function|match/ ],
);

for my $b (@bad) {
    my ($file, $rule, $field) = @$b;
    my $path = data_path("bad/$file");

    ($rc, $out) = $t->nginx_t(server => "fgs_policy $path;\n"
                                        . "location / { %%PROXY%% }");
    subtest "nginx -t refuses $file" => sub {
        isnt($rc, 0, 'nginx -t fails');
        like($out, qr/\[emerg\]/, 'with an emerg message');
        like($out, qr/\Q$path\E/, 'naming the policy file');
        like($out, qr/\Q$rule\E/, "naming the rule $rule") if $rule;
        like($out, $field, "naming the field $field") if $field;
        unlike($out, qr/test is successful/, 'not reported as successful');
    } or diag($out);
}

($rc, $out) = $t->nginx_t(server => "fgs_policy %%DATA%%/no-such-file.json;\n"
                                    . "location / { %%PROXY%% }");
ok($rc != 0 && $out =~ /no-such-file\.json/,
   'nginx -t fails for a missing policy file and names it') or diag($out);

for my $d ('fgs_policy_mode maybe;', 'fgs_policy_max_body_size lots;',
           'fgs_policy_audit_fail sometimes;')
{
    ($rc, $out) = $t->nginx_t(server => "fgs_policy %%DATA%%/policy.json;\n"
                                        . "$d\nlocation / { %%PROXY%% }");
    ok($rc != 0 && $out !~ /unknown directive/,
       "nginx -t refuses the value in '$d'") or diag($out);
}

# The gateway runs: a read passes, a governed request is decided.
$t->{vars}{POLICY} = data_path('policy.json');
$t->start;
my $u = urn('prod-orders');
$t->seed_functions($u);

my $r = $t->request(method => 'GET', target => function_path($u) . '/config');
$t->is_status($r, 200, 'a read passes through the running gateway');

my $denied = json_encode({ func_name => 'prod-orders', runtime => 'Python2.7',
    handler => 'index.handler', memory_size => 512, timeout => 30,
    func_vpc => { vpc_id => 'vpc-0a1b2c', subnet_id => 'subnet-1' },
    code_encrypt_kms_key_id => '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f' });

$r = $t->json_put(config_path('prod-orders'), $denied);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'the policy is in force',
                 rules => ['runtime-allowlist']);
$t->upstream_got_nothing('nothing forwarded while the policy denies');

# A reload with a policy that allows the runtime swaps it in.
ok($t->reload(vars => { POLICY => data_path('policy-plain.json') }),
   'reload with another policy');
$r = $t->json_put(config_path('prod-orders'), $denied);
$t->is_status($r, 200, 'the new policy serves after the reload');
$t->upstream_got('PUT', config_path('prod-orders'), $denied,
                 'forwarded byte for byte under the new policy');

# A reload with a broken policy is refused: the old one keeps serving.
my $mark = $t->log_mark;
ok(!$t->reload(vars => { POLICY => data_path('bad/unknown-key.json') }),
   'a reload with a bad policy is refused');
like($t->error_log($mark), qr/unknown-key\.json/,
     'the refusal names the policy file');
$r = $t->json_put(config_path('prod-orders'), $denied);
$t->is_status($r, 200, 'the previous policy still serves');
$r = $t->request(method => 'GET', target => function_path($u) . '/config');
$t->is_status($r, 200, 'and reads still pass');

$t->finish(allow => [qr/unknown-key\.json|operashuns/]);

# nginx's include rule, which other nginx versions than the one this runs
# against enforce (a system header first leaves nginx's feature macros
# out, and 1.25's QUIC headers then fail to build): every glue file
# starts with ngx_config.h, or with a module header that does.
my $glue = "$FgsTest::ROOT/ngx_fgs_policy_module";
my %starts_ok = map { $_ => 1 } '<ngx_config.h>';
for my $h (glob("$glue/ngx_http_fgs_policy*.h")) {
    my ($first) = FgsTest::slurp($h) =~ /^#include\s+(\S+)/m;
    $starts_ok{ '"' . basename($h) . '"' } = 1
        if ($first // '') eq '<ngx_config.h>'
           || ($first // '') =~ /^"ngx_http_fgs_policy\w*\.h"$/;
}
my @wrong_first;
for my $f (glob("$glue/ngx_http_fgs_policy*.[ch]")) {
    my ($first) = FgsTest::slurp($f) =~ /^#include\s+(\S+)/m;
    push @wrong_first, basename($f) . ": $first"
        unless defined $first && $starts_ok{$first};
}
is_deeply(\@wrong_first, [], 'every glue file includes nginx\'s headers first');

done_testing;
