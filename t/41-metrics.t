# fgs_policy_metrics (docs/operations.md, "Metrics"): Prometheus text
# counters of the decisions, summed over all workers.  This test names no
# metric (t/41-metrics-counters.t checks the exact series): it reads any
# counter family labelled with the decision and checks that its deny and
# allow samples grow by exactly what was sent.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $t = FgsTest->new(workers => 2, server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    location / {
        %%PROXY%%
    }
    location = /__metrics {
        fgs_policy_metrics;
    }
CONF

my ($rc, $said) = $t->nginx_t(server => "location / { fgs_policy_metrics; }\n"
                                        . "fgs_policy_metrics;");
isnt($rc, 0, 'fgs_policy_metrics is refused outside a location')
    or diag($said);

$t->start;
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(urn('dev-reports'), urn('prod-orders'));

# { "family{labels}" => value } of every sample
sub scrape {
    my $r = $t->request(method => 'GET', target => '/__metrics', keep => 1);
    return ($r, {}) unless $r->status == 200;
    my %s;
    for my $line (split /\n/, $r->body) {
        next if $line =~ /^#/ || $line !~ /\S/;
        $s{$1} = $2 if $line =~ /^(\S+(?:\{[^}]*\})?)\s+([-+0-9.eE]+|NaN)(?:\s+\d+)?$/;
    }
    return ($r, \%s);
}

# the growth of every sample labelled decision="$d", per family
sub grown {
    my ($before, $after, $d) = @_;
    my %by;
    for my $k (keys %$after) {
        next unless $k =~ /^([^{]+)\{.*\bdecision="\Q$d\E"/;
        $by{$1} += $after->{$k} - ($before->{$k} // 0);
    }
    return \%by;
}

my ($r, $before) = scrape();
$t->is_status($r, 200, 'the metrics location answers');
like($r->header('content-type') // '', qr{^text/plain}, 'as text/plain');
like($r->body, qr/^# TYPE \S+ counter$/m, 'in Prometheus text format');

my $deny = canonical_json({ func_name => 'prod-orders', runtime => 'Python2.7',
    handler => 'index.handler', memory_size => 512, timeout => 30,
    code_encrypt_kms_key_id => $KMS });
my $allow = canonical_json({ func_name => 'dev-reports', runtime => 'Python3.12',
    handler => 'index.handler', memory_size => 512, timeout => 30,
    code_encrypt_kms_key_id => $KMS });

for (1 .. 7) {
    $t->json_put(config_path('prod-orders'), $deny, { keep => 1 });
}
for (1 .. 5) {
    $t->json_put(config_path('dev-reports'), $allow, { keep => 1 });
}
# every worker's requests count: more connections than one worker takes
my @w = $t->worker_pids;
is(scalar @w, 2, 'two workers');

my ($r2, $after) = scrape();
my $denied = grown($before, $after, 'deny');
my $allowed = grown($before, $after, 'allow');
ok((grep { $_ == 7 } values %$denied),
   'a decision counter grew by the 7 denials')
    or diag(explain $denied, $r2->body);
ok((grep { $_ == 5 } values %$allowed),
   'a decision counter grew by the 5 allowed requests')
    or diag(explain $allowed);

$r = $t->json_put(config_path('dev-reports'), $allow);
$t->is_status($r, 200, 'serving goes on after the scrapes');

$t->finish;
done_testing;
