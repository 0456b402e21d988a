# contrib/ against the module's real metrics, so that they cannot drift:
# every metric name in the Prometheus rules, their unit tests and the
# Grafana dashboard is a family that a running gateway's /metrics
# serves, every label they select or group by is one its samples carry,
# and the dashboard shows every family the module serves.
# (promtool checks and tests the rules themselves: make test-contrib.)

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/../lib";
use FgsTest;

my $C = "$FgsTest::ROOT/contrib";
my %src = (
    rules     => FgsTest::slurp("$C/prometheus/fgs-policy-rules.yml"),
    tests     => FgsTest::slurp("$C/prometheus/fgs-policy-rules.test.yml"),
    dashboard => FgsTest::slurp("$C/grafana/fgs-policy.json"),
);

my $dash = json_decode($src{dashboard});
ok(ref $dash eq 'HASH' && @{ $dash->{panels} // [] },
   'the dashboard is JSON with panels');

# a policy whose every kind of series shows after four requests: a
# denial, a rewrite, an audit-mode violation and a waiver
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
my $policy = {
    fgs_policy => 1,
    rules => [
        { id => 'runtime-allowlist', operations => ['config'],
          check => { runtime => { in => ['Python3.12'] } } },
        { id => 'kms-default', operations => ['config'],
          set_default => { code_encrypt_kms_key_id => $KMS } },
        { id => 'no-secrets', mode => 'audit', operations => ['config'],
          check => { user_data => { not_pattern => 'PASSWORD' } } },
    ],
    exceptions => [
        { id => 'EXC-1', rules => ['runtime-allowlist'],
          match => { function => '^legacy$' },
          expires => '2099-01-01T00:00:00Z', reason => 'a test' },
    ],
};

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%PREFIX%%/conf/policy.json;
    location / {
        %%PROXY%%
    }
    location = /__metrics {
        fgs_policy_metrics;
    }
CONF
FgsTest::spew($t->prefix . '/conf/policy.json', json_encode($policy));
$t->start;
$t->seed_functions(map { urn($_) } qw(fn legacy));

my %sent = (
    'a denial'   => [ 'fn', config_json('fn', runtime => 'Python2.7',
                      code_encrypt_kms_key_id => $KMS), 403 ],
    'a rewrite'  => [ 'fn', config_json('fn'), 200 ],
    'an audit'   => [ 'fn', config_json('fn', code_encrypt_kms_key_id => $KMS,
                      user_data => '{"DB_PASSWORD":"x"}'), 200 ],
    'a waiver'   => [ 'legacy', config_json('legacy', runtime => 'Python2.7',
                      code_encrypt_kms_key_id => $KMS), 200 ],
);
for my $what (sort keys %sent) {
    my ($fn, $body, $status) = @{ $sent{$what} };
    my $r = $t->json_put(config_path($fn), $body);
    $t->is_status($r, $status, "$what: $status");
}

my $r = $t->request(method => 'GET', target => '/__metrics');
$t->is_status($r, 200, 'the metrics answer');
my $metrics = $r->body;

# family => { label => 1 } of what the module serves
my %family;
$family{$1} //= {} while $metrics =~ /^# TYPE (\S+) \S+$/mg;
for my $line (split /\n/, $metrics) {
    next unless $line =~ /^(fgs_policy_\w+)(?:\{(.*)\})? \S+$/;
    my ($name, $labels) = ($1, $2 // '');
    $family{$name}{$1} = 1 while $labels =~ /(\w+)="/g;
}
ok(keys %family >= 10, scalar(keys %family) . ' families served');

# --- names

for my $what (sort keys %src) {
    my %used = map { $_ => 1 } $src{$what} =~ /\b(fgs_policy_[a-z0-9_]+)\b/g;
    delete $used{$_} for grep { !/_(total|seconds|successful|info)$/ }
                         keys %used;        # rule group and file names
    ok(keys %used, "$what names metrics");
    my @unknown = grep { !exists $family{$_} } sort keys %used;
    ok(!@unknown, "every metric $what names is served by the module")
        or diag("not served: @unknown\nserved: "
                . join(' ', sort keys %family));
}

my @unshown = grep { $src{dashboard} !~ /\b\Q$_\E\b/ } sort keys %family;
ok(!@unshown, 'the dashboard shows every family the module serves')
    or diag("not shown: @unshown");

# --- labels: selected ({label=...}), grouped (by (...)), or given to the
#     test series; instance and job are Prometheus's own

my %own = (instance => 1, job => 1);
my @bad;
for my $what (sort keys %src) {
    my $s = $src{$what};
    $s =~ s/\\"/"/g;                        # JSON-escaped expressions
    while ($s =~ /\b(fgs_policy_\w+)\{([^}]*)\}/g) {
        my ($name, $sel) = ($1, $2);
        for my $l ($sel =~ /(\w+)\s*=~?/g) {
            push @bad, "$what: $name\{$l\}"
                unless $own{$l} || $family{$name}{$l};
        }
    }
    while ($s =~ /by \(([^)]*)\) \(\w+\((fgs_policy_\w+)/g) {
        my ($by, $name) = ($1, $2);
        for my $l (split /\s*,\s*/, $by) {
            push @bad, "$what: by ($l) $name"
                unless $own{$l} || $family{$name}{$l};
        }
    }
}
ok(!@bad, 'every label used is one the module\'s samples carry')
    or diag(join "\n", @bad);

# the values the rules compare with are the module's
like($src{rules}, qr/error_code="FGSPOL\.5030"/, 'the rules watch FGSPOL.5030');
like(FgsTest::slurp("$FgsTest::ROOT/ngx_fgs_policy_module/"
                    . "ngx_http_fgs_policy_audit.c"),
     qr/"FGSPOL\.5030"/, 'which the module answers when audit fails');

$t->finish;
done_testing;
