# The gateway and the CLI decide alike because they run one pipeline
# (docs/architecture.md, "A request's path"): the module's handler and
# `fgs-policy eval`/`test` both call fgs_request_begin() and
# fgs_request_body(), and nothing else outside the engine's request stage
# scans a body for a decision, checks it against the API reference or
# evaluates the policy.  The pipeline itself is tested through nginx by
# the rest of the suite and through the CLI by conf/policy.tests, run
# here.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $ROOT = $FgsTest::ROOT;
my $MOD = "$ROOT/ngx_fgs_policy_module";
my $CLI = $FgsTest::CLI;

# C source without its comments and string literals, so that a call
# named in a comment does not count
sub code_of {
    my ($file) = @_;
    my $text = FgsTest::slurp($file);

    $text =~ s{/\*.*?\*/}{ }gs;
    $text =~ s{"(?:[^"\\\n]|\\.)*"}{""}g;

    return $text;
}

sub calls {
    my ($file, $fn) = @_;
    return code_of($file) =~ /\b\Q$fn\E\s*\(/;
}

my @glue = glob("$MOD/ngx_http_fgs_policy_*.c");
my @cli = glob("$MOD/cli/*.c");
my @engine = glob("$MOD/engine/*/*.c");

ok(@glue >= 10 && @cli >= 5 && @engine >= 20,
   scalar(@glue) . ' glue, ' . scalar(@cli) . ' CLI and '
   . scalar(@engine) . ' engine sources found');


# --- both faces call the pipeline

for my $fn (qw(fgs_request_begin fgs_request_body)) {
    ok(calls("$MOD/ngx_http_fgs_policy_handler.c", $fn),
       "the module's handler calls $fn()");
    ok(calls("$MOD/cli/fgs_cli_request.c", $fn),
       "fgs-policy's request runner calls $fn()");
}

ok(calls("$MOD/ngx_http_fgs_policy_error.c", 'fgs_request_concerns'),
   'the error filter asks the pipeline which requests concern the API');


# --- and nothing decides beside it

my %stage = (
    fgs_json_scan       => 'scans a body',
    fgs_json_scan_runs  => 'scans a body',
    fgs_schema_validate => 'checks a body against the API reference',
    fgs_policy_eval     => 'evaluates the policy',
    fgs_target_parse    => 'classifies a request target',
);

for my $file (@glue, @cli) {
    (my $name = $file) =~ s{^\Q$ROOT\E/}{};

    for my $fn (sort keys %stage) {

        # fgs-policy test reads the body it would forward, and checks it
        # against the API reference, to compare it with the case's
        # expectations: that is not a decision
        next if ($fn eq 'fgs_json_scan' || $fn eq 'fgs_schema_validate')
                && $name =~ m{cli/fgs_cli_test\.c$};

        ok(!calls($file, $fn), "$name never $stage{$fn} itself ($fn)");
    }
}

my @outside = grep { !m{/engine/(request|policy)/} }
              grep { calls($_, 'fgs_policy_eval') } @engine;

is_deeply(\@outside, [], 'in the engine, only the request stage '
          . 'evaluates the policy (and the policy stage itself)');


# --- the reference cases pass through the CLI's run of the pipeline

ok(-x $CLI, "the CLI is built: $CLI") or BAIL_OUT('make cli first');

my $tout = "$ROOT/t/tmp/45-cli-parity.$$.test.out";
my $rc = FgsTest::run_cmd([$CLI, 'test', '--coverage', '--coverage-min',
                           '100', "$ROOT/conf/policy.json",
                           "$ROOT/conf/policy.tests"], $tout, 60);
my $said = FgsTest::slurp($tout);
unlink $tout;

is($rc, 0, 'fgs-policy test --coverage --coverage-min 100 conf/policy.json '
   . 'conf/policy.tests passes: every case, and every rule exercised')
    or diag($said);
like($said, qr/^ok \d+ - rule coverage 100% \(at least 100%\)$/m,
     'the suite exercises every rule of conf/policy.json');

done_testing();
