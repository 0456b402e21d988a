# fgs-policy as a tool (docs/operations.md, "fgs-policy"): --help for every
# command; eval reading the body from standard input and explaining its
# decision rule by rule; test selecting cases (--run), writing TAP, JSON
# or JUnit XML (validated by xmllint, Debian's libxml2-utils), and
# reporting what no case exercised (--coverage, --coverage-min); check
# warning of exceptions that expired or expire soon.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

use File::Temp qw(tempdir);
use POSIX qw(strftime);

my $ROOT = $FgsTest::ROOT;
my $CLI = $FgsTest::CLI;
my $POLICY = "$ROOT/conf/policy.json";
my $CASES = "$ROOT/conf/policy.tests";
my $tmp = tempdir("$ROOT/t/tmp/53-cli-tools.XXXXXX", CLEANUP => 1);

ok(-x $CLI, "the CLI is built: $CLI") or BAIL_OUT('make cli first');

# runs a command (a shell line when a string); returns (status, output)
my $nrun = 0;
sub cli {
    my (@argv) = @_;
    my $out = "$tmp/out." . ++$nrun;
    my $argv = @argv == 1 ? ['sh', '-c', $argv[0]] : [$CLI, @argv];
    my $rc = FgsTest::run_cmd($argv, $out, 60);
    return ($rc, FgsTest::slurp($out));
}

# a whole line, or a line's start, given in pieces
sub line { my $s = join '', @_; return qr/^\Q$s\E$/m; }
sub start { my $s = join '', @_; return qr/^\Q$s\E/m; }


# --- --help for every command

my %opts = (check => [qr/POLICY/, qr/expiry_warning_days/],
            eval => [qr/--explain/, qr/\[BODY\.json \| -\]/, qr/--now/],
            test => [qr/--run REGEX/, qr/--format tap\|json\|junit/,
                     qr/--coverage-min N/],
            'verify-audit' => [qr/--live/],
            'dedup-audit' => [qr/--out OUT/, qr/duplicate\(s\) left out/]);

for my $cmd (sort keys %opts) {
    my ($rc, $out) = cli($cmd, '--help');
    is($rc, 0, "fgs-policy $cmd --help exits 0");
    like($out, qr/^usage: fgs-policy \Q$cmd\E/, "  and starts with its usage");
    like($out, $_, "  and documents $_") for @{ $opts{$cmd} };
}

my ($rc, $out) = cli('test', $POLICY);
is($rc, 2, 'test without CASES_DIR is a usage error');
like($out, qr/^usage: fgs-policy test/m, '  that prints the usage');


# --- eval - reads standard input; --explain

my $URN = 'urn:fss:cn-north-4:0a1b2c3d4e5f60718293a4b5c6d7e8f9:function:'
          . 'default:legacy-billing:latest';
my $body = '{"func_name":"legacy-billing","runtime":"Python2.7",'
           . '"handler":"index.handler","memory_size":512,"timeout":30}';
FgsTest::spew("$tmp/body.json", $body);

my @eval = ('eval', $POLICY, '--op', 'config', '--urn', $URN);
my ($frc, $from_file) = cli(@eval, '--now', '2027-04-01T00:00:00Z',
                            "$tmp/body.json");
my ($src, $from_stdin) = cli("'$CLI' eval '$POLICY' --op config --urn "
                             . "'$URN' --now 2027-04-01T00:00:00Z - "
                             . "< '$tmp/body.json'");
is($src, 3, 'eval - : denied (exit 3), the body read from standard input');
is($from_stdin, $from_file, '  exactly as when read from a file');
like($from_stdin, qr/exception EXC-142 for this expired on 2027-03-31/,
     '  and the denial names the expired exception');

($rc, $out) = cli("printf '' | '$CLI' eval '$POLICY' --op config --urn "
                  . "'$URN' -");
is($rc, 4, 'eval - with an empty standard input: refused before the policy');

# the explanation goes to standard error; the decision stays JSON
($rc, $out) = cli("'$CLI' eval '$POLICY' --op config --urn '$URN' "
                  . "--now 2027-04-01T00:00:00Z --explain '$tmp/body.json' "
                  . "2>'$tmp/explain' >/dev/null");
my $explain = FgsTest::slurp("$tmp/explain");
is($rc, 3, 'eval --explain: the same exit status');
for my $line (
    line('config of function "legacy-billing", package "default", ',
         'version "latest"'),
    line('rule runtime-allowlist: for the config operation; no match: ',
         'every function'),
    line('  exception EXC-142: would waive the rule, but expired on ',
         '2027-03-31T00:00:00Z'),
    qr/^  check runtime: fails: runtime "Python2\.7" is not allowed/m,
    line('rule vpc-required: for the config operation; its match does not ',
         'hold: the rule does not apply'),
    qr/^  exception EXC-205: its match does not hold$/m,
    qr/^  check memory_size: holds$/m,
    line('  set_default code_encrypt_kms_key_id: not made: the request ',
         'is denied'),
    qr/^rule code-from-approved-obs: not for the config operation$/m,
    qr/^  applies, in audit mode$/m,
    qr/^decision: deny \(FGSPOL\.4030\)$/m)
{
    like($explain, $line, "  explains $line");
}

($rc, $out) = cli("'$CLI' eval '$POLICY' --op config --urn '$URN' "
                  . "--now 2027-03-01T00:00:00Z --explain '$tmp/body.json' "
                  . "2>&1 >/dev/null");
like($out, start('  exception EXC-142: narrows the rule: its "allow" values ',
                 'pass the rule\'s "in" (until 2027-03-31T00:00:00Z: ',
                 'migration ticket 142'),
     'explain: a live exception narrows the rule');
like($out, qr/^  set_default code_encrypt_kms_key_id: changed the body$/m,
     'explain: a mutation that rewrote the body');

my $CODE_URN = 'urn:fss:cn-north-4:0a1b2c3d4e5f60718293a4b5c6d7e8f9:function:'
               . 'default:dev-x:latest';
FgsTest::spew("$tmp/code.json", '{"code_type":"inline","func_code":'
              . '{"file":"cHJpbnQoImhpIikK"}}');
($rc, $out) = cli("'$CLI' eval '$POLICY' --op code --urn '$CODE_URN' "
                  . "--explain '$tmp/code.json' 2>&1 >/dev/null");
like($out, qr/^  when code_type: does not hold$/m,
     'explain: a "when" that does not hold');
like($out, qr/^  the rule does not apply$/m, '  so the rule does not apply');

FgsTest::spew("$tmp/code.json", '{"code_type":"zip"}');
($rc, $out) = cli("'$CLI' eval '$POLICY' --op code --urn '$CODE_URN' "
                  . "--explain '$tmp/code.json' 2>&1 >/dev/null");
like($out, start('refused before the policy (FGSPOL.4001): the body does ',
                 'not conform'),
     'explain: a body refused before the policy says so');


# --- test --run, --format

($rc, $out) = cli('test', '--run', '^runtime-', $POLICY, $CASES);
is($rc, 0, 'test --run ^runtime-: passes');
my @lines = $out =~ /^ok \d+ - (\S+)/mg;
ok(@lines >= 3 && !grep(!/^runtime-/, @lines),
   '  and runs only the runtime- cases (' . scalar(@lines) . ')');
like($out, qr/^1\.\.${\ scalar @lines}$/m, '  with the plan to match');

($rc, $out) = cli('test', '--run', '^no-such-case', $POLICY, $CASES);
is($rc, 1, 'test --run matching no case fails: nothing was tested');
like($out, qr/no case matches --run/, '  and says so');

($rc, $out) = cli('test', '--run', '(', $POLICY, $CASES);
is($rc, 2, 'test --run with a bad pattern is a usage error');

($rc, $out) = cli('test', '--format', 'xml', $POLICY, $CASES);
is($rc, 2, 'test --format xml is a usage error');

($rc, $out) = cli("'$CLI' test --format json '$POLICY' '$CASES' 2>/dev/null");
is($rc, 0, 'test --format json passes');
my $j = eval { json_decode($out) };
ok($j, '  and prints one JSON object') or diag($out);
my $ncases = () = glob("$CASES/*.json");
is(scalar @{ $j->{cases} // [] }, $ncases, "  with the $ncases cases");
is($j->{passed}, $ncases, '  all passed');
is($j->{failed}, 0, '  none failed');
ok(!exists $j->{coverage}, '  no coverage unless asked');

# a directory with a failing case, a malformed one and a stray file
my $bad = "$tmp/bad-cases";
mkdir $bad;
FgsTest::spew("$bad/wrong.json", json_encode({
    description => 'expects allow <&> of a denied body', op => 'config',
    urn => $URN, now => '2027-04-01T00:00:00Z',
    body => json_decode($body), expect => { decision => 'allow' } }));
FgsTest::spew("$bad/broken.json", '{"op":');
FgsTest::spew("$bad/stray.jsn", '{}');
FgsTest::spew("$bad/right.json", json_encode({
    op => 'config', urn => $URN, now => '2027-03-01T00:00:00Z',
    body => json_decode($body),
    expect => { decision => 'rewrite', waived => ['runtime-allowlist'],
                rewrites => ['kms-default'] } }));

($rc, $out) = cli("'$CLI' test --format json '$POLICY' '$bad' 2>/dev/null");
is($rc, 1, 'test --format json: failing cases fail the run');
$j = eval { json_decode($out) } // {};
my %by = map { $_->{name} => $_ } @{ $j->{cases} // [] };
is(scalar keys %by, 4, '  every file is reported');
ok($by{'right.json'}{ok}, '  the right case passes');
ok(!$by{'wrong.json'}{ok} && grep(/decision/, @{ $by{'wrong.json'}{problems} }),
   '  the wrong case fails, saying why');
ok(!$by{'broken.json'}{ok}, '  the malformed case fails');
ok(!$by{'stray.jsn'}{ok}, '  the stray file fails');
is($j->{failed}, 3, '  three failed');

SKIP: {
    skip 'xmllint is missing: scripts/deps.sh installs libxml2-utils', 8
        unless system('command -v xmllint >/dev/null 2>&1') == 0;

    ($rc, $out) = cli("'$CLI' test --format junit --coverage-min 100 "
                      . "'$POLICY' '$CASES' > '$tmp/ok.xml'");
    is($rc, 0, 'test --format junit --coverage-min 100 passes');
    ($rc, $out) = cli("xmllint --noout '$tmp/ok.xml'");
    is($rc, 0, '  and its JUnit output is well-formed XML') or diag($out);
    my $xml = FgsTest::slurp("$tmp/ok.xml");
    my @tc = $xml =~ /<testcase /g;
    is(scalar @tc, $ncases + 1, '  one testcase per case, and the coverage');
    my $tests = $ncases + 1;
    like($xml, qr/<testsuite name="[^"]*" tests="$tests" failures="0"/,
         '  counted in the testsuite');

    ($rc, $out) = cli("'$CLI' test --format junit '$POLICY' '$bad' "
                      . "> '$tmp/bad.xml'");
    is($rc, 1, 'test --format junit on failing cases fails');
    ($rc, $out) = cli("xmllint --noout '$tmp/bad.xml'");
    is($rc, 0, '  and still writes well-formed XML') or diag($out);
    $xml = FgsTest::slurp("$tmp/bad.xml");
    my @f = $xml =~ /<failure /g;
    is(scalar @f, 3, '  with a failure for each failing file');
    like($xml, qr/failures="3"/, '  counted in the testsuite');
}


# --- coverage

my $nrules = scalar @{ json_decode(FgsTest::slurp($POLICY))->{rules} };
($rc, $out) = cli('test', '--coverage', $POLICY, $CASES);
is($rc, 0, 'test --coverage on conf/policy.json passes');
like($out, qr/^\#\ coverage:\ rules\ $nrules\/$nrules\ \(100%\),
               \ checks\ \d+\/\d+,\ exceptions\ 2\/2$/mx,
     '  every rule and exception exercised');

# a rule that no case applies, and an exception no case uses
# (added as text: the order of the file's checks decides its messages')
my $pol = FgsTest::slurp($POLICY);
$pol =~ s/("rules": \[)/$1 . json_encode({
    id => 'timeout-limit', operations => ['config'],
    match => { function => '^never-' },
    check => { timeout => { max => 60 } } }) . ','/e or die;
$pol =~ s/("exceptions": \[)/$1 . json_encode({
    id => 'EXC-UNUSED', rules => ['timeout-limit'],
    match => { function => '^x$' }, expires => '2099-01-01T00:00:00Z',
    reason => 'never used' }) . ','/e or die;
FgsTest::spew("$tmp/more.json", $pol);

($rc, $out) = cli('test', '--coverage', "$tmp/more.json", $CASES);
is($rc, 0, 'test --coverage alone never fails the run');
like($out, qr/^# not covered: rule timeout-limit: no case applies it$/m,
     '  and names the rule no case applies');
like($out, qr/^# not covered: check timeout-limit:timeout: no case fails it$/m,
     '  its check');
like($out, qr/^# not covered: exception EXC-UNUSED: no case it waives$/m,
     '  and the exception');
my $more = $nrules + 1;
my ($pct) = $out =~ /^# coverage: rules $nrules\/$more \((\d+)%\)/m;
ok(defined $pct && $pct == int(100 * $nrules / $more),
   "  $nrules of $more rules, in percent") or diag($out);
$pct //= 0;

($rc, $out) = cli('test', '--coverage-min', '100', "$tmp/more.json", $CASES);
is($rc, 1, 'test --coverage-min 100 fails under 100%');
like($out, qr/^not ok \d+ - rule coverage $pct% \(at least 100%\)$/m,
     '  with a failing test line');

($rc, $out) = cli('test', '--coverage-min', $pct, "$tmp/more.json", $CASES);
is($rc, 0, "test --coverage-min $pct passes at $pct%");

($rc, $out) = cli('test', '--coverage-min', '101', $POLICY, $CASES);
is($rc, 2, 'test --coverage-min 101 is a usage error');

($rc, $out) = cli("'$CLI' test --format json --coverage '$tmp/more.json' "
                  . "'$CASES' 2>/dev/null");
$j = eval { json_decode($out) } // {};
is_deeply([ $j->{coverage}{uncovered_rules},
            $j->{coverage}{uncovered_exceptions},
            $j->{coverage}{rules_percent} ],
          [ ['timeout-limit'], ['EXC-UNUSED'], $pct ],
          'test --format json --coverage: what is not covered, as JSON');


# --- check: exceptions that expired or expire soon

my $soon = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 3 * 86400 + 60));
my $later = strftime('%Y-%m-%dT%H:%M:%SZ', gmtime(time + 30 * 86400));
sub exc_policy {
    my (%top) = @_;
    return json_encode({
        fgs_policy => 1, %top,
        rules => [ { id => 'rt', operations => ['config'],
                     check => { runtime => { in => ['Java17'] } } } ],
        exceptions => [
            { id => 'EXC-OLD', rules => ['rt'],
              expires => '2020-01-01T00:00:00Z', reason => 'r' },
            { id => 'EXC-SOON', rules => ['rt'], expires => $soon,
              reason => 'r' },
            { id => 'EXC-LATER', rules => ['rt'], expires => $later,
              reason => 'r' } ] });
}

FgsTest::spew("$tmp/exc.json", exc_policy());
($rc, $out) = cli('check', "$tmp/exc.json");
is($rc, 0, 'check: a policy with expired exceptions loads');
like($out, qr/warning:\ exception\ EXC-OLD\ expired\ at\ 2020-01-01T00:00:00Z:
               \ it\ waives\ nothing;\ renew\ its\ "expires"\ or\ remove\ it/x,
     '  with a warning for the expired one');
my $soon_warn = "warning: exception EXC-SOON expires at $soon, in 4 days "
                . '(expiry_warning_days: 14)';
like($out, qr/\Q$soon_warn\E/,
     '  one for the one expiring within 14 days');
unlike($out, qr/EXC-LATER/, '  none for one expiring in 30 days');

FgsTest::spew("$tmp/exc.json", exc_policy(expiry_warning_days => 60));
($rc, $out) = cli('check', "$tmp/exc.json");
like($out, qr/EXC-LATER expires at .*expiry_warning_days: 60/,
     'expiry_warning_days 60: one expiring in 30 days is warned of');

FgsTest::spew("$tmp/exc.json", exc_policy(expiry_warning_days => 0));
($rc, $out) = cli('check', "$tmp/exc.json");
unlike($out, qr/EXC-SOON|EXC-LATER/,
       'expiry_warning_days 0: only expired exceptions are warned of');
like($out, qr/EXC-OLD expired/, '  and those still are');

FgsTest::spew("$tmp/exc.json", exc_policy(expiry_warning_days => -1));
($rc, $out) = cli('check', "$tmp/exc.json");
is($rc, 1, 'expiry_warning_days -1 does not load');
like($out, qr/expiry_warning_days: must be a number of days/, '  saying why');

done_testing();
