# The release (CHANGELOG.md): the version is written once, in
# ngx_fgs_policy_module/engine/core/fgs_version.h, and shows in
# "fgs-policy --version" and "--help", in the module's start-up notice
# in nginx's error log, and in the fgs_policy_build_info metric.  The
# operations metrics contrib/prometheus/fgs-policy-rules.yml alerts on
# are here too: each exception's expiry, read from the loaded policy,
# and the reload that failed (a policy that does not load), which the
# running configuration counts while it keeps serving.

use strict;
use warnings;

use Test::More;
use Time::Local qw(timegm);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my ($version) = FgsTest::slurp("$FgsTest::ROOT/ngx_fgs_policy_module/"
                               . "engine/core/fgs_version.h")
                =~ /^#define\s+FGS_VERSION\s+"([^"]+)"/m;
like($version // '', qr/^\d+\.\d+\.\d+$/, "FGS_VERSION is $version");

my $libs = qr/\(jansson \d[\d.]*, PCRE2 \d[\d.]*, OpenSSL \d[\d.]*\)/;

# --- the CLI

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%PREFIX%%/conf/policy.json;
    location / {
        %%PROXY%%
    }
    location = /__metrics {
        fgs_policy_metrics;
    }
CONF
my $p = $t->prefix;

for my $arg ('--version', '--help', '-h') {
    my $out = "$p/logs/cli$arg.out";
    my $rc = FgsTest::run_cmd([$FgsTest::CLI, $arg], $out, 30);
    is($rc, 0, "fgs-policy $arg exits 0");
    like(FgsTest::slurp($out), qr/^fgs-policy \Q$version\E $libs$/m,
         "fgs-policy $arg names the version and the libraries");
}

my $rc = FgsTest::run_cmd([$FgsTest::CLI, 'check',
                           "$FgsTest::ROOT/conf/policy.json"],
                          "$p/logs/check.out", 30);
unlike(FgsTest::slurp("$p/logs/check.out"), qr/\Q$version\E/,
       'check prints no banner');

# --- the module: the notice, once per configuration loaded

my $policy = FgsTest::slurp("$FgsTest::ROOT/conf/policy.json");
FgsTest::spew("$p/conf/policy.json", $policy);

# nginx -t without -q, its log at info: what a user sees
$t->write_conf("$p/conf/t.conf");
my $trc = FgsTest::run_cmd($t->nginx_argv('-t', '-p', "$p/", '-c',
                                          "$p/conf/t.conf", '-e',
                                          "$p/logs/t.log"),
                           "$p/logs/t.out", 30, $t->nginx_env);
my $said = FgsTest::slurp("$p/logs/t.out")
           . (-f "$p/logs/t.log" ? FgsTest::slurp("$p/logs/t.log") : '')
           . (-f "$p/logs/error.log" ? FgsTest::slurp("$p/logs/error.log")
                                     : '');
is($trc, 0, 'nginx -t') or diag($said);
like($said, qr/test is successful/, 'says the test is successful');
unlike($said, qr/fgs_policy \Q$version\E/, 'nginx -t prints no notice');
unlink "$p/logs/error.log";

$t->start;

my @notice = $t->error_log =~ /\[notice\] \d+#\d+: (fgs_policy .*)$/mg;
is(scalar @notice, 1, 'one start-up notice in the error log');
like($notice[0] // '', qr/^fgs_policy \Q$version\E $libs$/,
     'with the version and the libraries');

# { "family{labels}" => value } of every sample, and the text
sub scrape {
    my $r = $t->request(method => 'GET', target => '/__metrics');
    is($r->status, 200, 'the metrics answer') or return ({}, '');
    my %s;
    for my $line (split /\n/, $r->body) {
        $s{$1} = $2 if $line =~ /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/;
    }
    return (\%s, $r->body);
}

my ($m, $text) = scrape();
my ($info) = grep { /^fgs_policy_build_info\{/ } keys %$m;
ok($info, 'fgs_policy_build_info is there');
like($info // '', qr/\{version="\Q$version\E",jansson="[\d.]+",
                     pcre2="[\d.]+",openssl="[\d.]+"\}/x,
     'labelled with the version and the libraries');
is($m->{$info // ''}, 1, 'its value is 1');
like($text, qr/^# TYPE fgs_policy_build_info gauge$/m, 'a gauge');

# the exceptions of conf/policy.json, from the file itself
my $file = "$p/conf/policy.json";
my $doc = json_decode($policy);
my %want;
for my $e (@{ $doc->{exceptions} }) {
    my ($y, $mo, $d, $h, $mi, $s)
        = $e->{expires} =~ /^(\d+)-(\d+)-(\d+)T(\d+):(\d+):(\d+)Z$/
        or die "an expiry this test does not read: $e->{expires}";
    my $unix = timegm($s, $mi, $h, $d, $mo - 1, $y);
    $want{"fgs_policy_exception_expiry_timestamp_seconds{policy=\"$file\","
          . "rule=\"$_\",exception=\"$e->{id}\"}"} = $unix
        for @{ $e->{rules} };
}
ok(keys %want >= 2, scalar(keys %want) . ' waivers in conf/policy.json');
my %got = map { $_ => $m->{$_} }
          grep { /^fgs_policy_exception_expiry_timestamp_seconds\{/ }
          keys %$m;
is_deeply(\%got, \%want,
          'each exception\'s expiry, by policy file, rule and exception');

is($m->{fgs_policy_reload_failures_total}, 0, 'no reload failed yet');
is($m->{fgs_policy_last_reload_successful}, 1, 'the last load succeeded');

# --- a reload with a policy that does not load: the old one serves on,
#     and the metrics say so until a reload succeeds

my $mark = $t->log_mark;
FgsTest::spew($file, '{"fgs_policy": 1, "rules": [ {"id": "x", '
                     . '"check": {"runtime": {"bogus": 1}}} ]}');
ok(!$t->reload, 'a reload with a broken policy fails');
like($t->{reload_log}, qr/\[emerg\].*does not load/, 'nginx says why');
# the notice is in the log before the next scrape can ask
($m) = scrape();
is($m->{fgs_policy_reload_failures_total}, 1, 'the failure is counted');
is($m->{fgs_policy_last_reload_successful}, 0,
   'and the last reload is not successful');
ok(scalar(grep { /^fgs_policy_exception_expiry/ } keys %$m) >= 2,
   'the old policy\'s exceptions are still shown');
unlike($t->error_log($mark), qr/\[notice\].*fgs_policy \Q$version\E/,
       'no start-up notice for a configuration that did not load');

my $short = $doc;
$short->{exceptions} = [ $doc->{exceptions}[0] ];
FgsTest::spew($file, json_encode($short));
$mark = $t->log_mark;
ok($t->reload, 'a reload with a good policy');
my @again = $t->error_log($mark) =~ /\[notice\] \d+#\d+: (fgs_policy .*)$/mg;
is(scalar @again, 1, 'one notice for the configuration reloaded');
($m) = scrape();
is($m->{fgs_policy_reload_failures_total}, 1, 'the failure stays counted');
is($m->{fgs_policy_last_reload_successful}, 1, 'the last reload succeeded');
my @left = grep { /^fgs_policy_exception_expiry/ } keys %$m;
is(scalar @left, scalar @{ $short->{exceptions}[0]{rules} },
   'the expiries follow the policy now loaded');
like($left[0] // '', qr/exception="\Q$short->{exceptions}[0]{id}\E"/,
     'the exception kept');

$t->finish(allow => [ qr/does not load/ ]);
done_testing;
