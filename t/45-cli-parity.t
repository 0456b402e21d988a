# The gateway and the CLI decide alike (docs/operations.md, "fgs-policy"):
# every case of conf/policy.tests is sent through nginx (a token request, or
# an AK/SK-signed one where the case says "signed") and given to `fgs-policy
# eval` with the same body bytes, operation, URN, policy and mode; both must
# reach the same decision, status, error_code, error_msg, violations (rule,
# field, message), the same rules in $fgs_policy_rules, and forward the same
# bytes: the mock's record of a forwarded body is byte for byte the CLI's
# --out file.
#
# nginx reads the real clock while a case may pin "now" (exception
# expiry).  No case is skipped for it: each case runs under a policy
# whose exceptions are live or expired at the real time exactly as they
# are at the case's "now" (the policy itself when that already holds,
# which is every case that does not straddle an expiry), and the CLI is
# shown to decide identically on the original policy at the case's "now"
# and on that policy at the real time.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

use Time::Local qw(timegm);

my $ROOT = $FgsTest::ROOT;
my $CLI = $FgsTest::CLI;
my $POLICY = "$ROOT/conf/policy.json";
my $CASES = "$ROOT/conf/policy.tests";

ok(-x $CLI, "the CLI is built: $CLI") or BAIL_OUT('make cli first');

my $AKSK = 'SDK-HMAC-SHA256 Access=PARITYAK, SignedHeaders=content-type;'
           . 'host;x-sdk-date, Signature=' . ('5c' x 32);
my $TOKEN = 'MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTALBglgparity';


# --- the CLI's own run of the cases passes: they are the reference

my $tout = "$ROOT/t/tmp/45-cli-parity.$$.test.out";
my $rc = FgsTest::run_cmd([$CLI, 'test', '--coverage', '--coverage-min',
                           '100', $POLICY, $CASES], $tout, 60);
my $said = FgsTest::slurp($tout);
unlink $tout;
is($rc, 0, 'fgs-policy test --coverage --coverage-min 100 conf/policy.json '
   . 'conf/policy.tests passes: every case, and every rule exercised')
    or diag($said);
like($said, qr/^ok \d+ - rule coverage 100% \(at least 100%\)$/m,
     'the suite exercises every rule of conf/policy.json');
unlike($said, qr/^# not covered: (rule|exception) /m,
       'no rule nor exception is left out')
    or diag($said);


# --- the cases, with their bodies exactly as fgs-policy test sends them

# the raw text of the top-level member $key of the JSON object $text
sub raw_member {
    my ($text, $key) = @_;

    my ($depth, $last, $start) = (0, undef, undef);
    pos($text) = 0;
    while ($text =~ /\G(\s*)(?:("(?:[^"\\]|\\.)*")|([{\[])|([}\]])|(:)|(,)
                     |([^\s"{}\[\]:,]+))/gcsx)
    {
        my $at = $-[0] + length $1;
        if (defined $3) {
            $depth++;
        } elsif (defined $4 || defined $6) {
            return substr($text, $start, $at - $start)
                if $depth == 1 && defined $start;
            $depth-- if defined $4;
        } elsif (defined $5) {
            $start = pos($text)
                if $depth == 1 && defined $last && json_decode($last) eq $key;
        } elsif (defined $2) {
            $last = $2 if $depth == 1;
        }
    }
    return undef;
}

# JSON text without the whitespace between tokens (jansson's JSON_COMPACT
# of the same members in the same order, for bodies without escapes)
sub compact {
    my ($s) = @_;
    $s =~ s/("(?:[^"\\]|\\.)*")|\s+/defined $1 ? $1 : ''/gse;
    return $s;
}

sub epoch {
    my ($s) = @_;
    $s =~ /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d+)?Z$/
        or die "not an RFC 3339 UTC time this test reads: $s\n";
    return timegm($6, $5, $4, $3, $2 - 1, $1);
}

opendir my $dh, $CASES or die "$CASES: $!";
my @files = sort grep { /\.json$/ } readdir $dh;
closedir $dh;
ok(@files >= 30, scalar(@files) . ' cases in conf/policy.tests');

my $policy_text = FgsTest::slurp($POLICY);
my $policy = json_decode($policy_text);
my @exc = @{ $policy->{exceptions} // [] };
my $real_now = time;

my @cases;
for my $f (@files) {
    my $text = FgsTest::slurp("$CASES/$f");
    my $c = json_decode($text);
    $c->{file} = $f;
    if (defined $c->{body_file}) {
        $c->{bytes} = FgsTest::slurp("$CASES/$c->{body_file}");
    } elsif (defined $c->{body}) {
        $c->{bytes} = compact(raw_member($text, 'body'));
        is_deeply(json_decode($c->{bytes}), $c->{body},
                  "$f: the compact body is the case's body");
    }

    # which exceptions are live at the case's time: the policy nginx
    # serves for it must have them live at the real time
    my $at = defined $c->{now} ? epoch($c->{now}) : $real_now;
    my (@sig, $differs);
    for my $e (@exc) {
        my $exp = epoch($e->{expires});
        my $live = $at < $exp ? 1 : 0;
        $differs = 1 if $live != ($real_now < $exp ? 1 : 0);
        push @sig, $live;
    }
    $c->{variant} = $differs ? join('', @sig) : '';
    $c->{mode} //= '';
    push @cases, $c;
}


# --- one server per (policy, mode) the cases need

my %variant_file = ('' => $POLICY);
my %server;                 # "variant|mode" => port
my $http = '';

my $t;                      # created below: the variants live in its prefix
my @keys = do {
    my %k = map { ("$_->{variant}|$_->{mode}" => 1) } @cases;
    sort keys %k;
};

my $main_key = '|';
for my $k (@keys) {
    next if $k eq $main_key;
    my ($variant, $mode) = split /\|/, $k, 2;
    my $port = FgsTest::free_port();
    $server{$k} = $port;
    my $file = $variant eq '' ? $POLICY
               : "%%PREFIX%%/conf/policy-exceptions-$variant.json";
    $http .= <<"CONF";
    server {
        listen 127.0.0.1:$port;
        server_name localhost;
        fgs_policy $file;
        ${\ ($mode ? "fgs_policy_mode $mode;" : '') }
        add_header X-Fgs-Op \$fgs_policy_operation always;
        add_header X-Fgs-Decision \$fgs_policy_decision always;
        add_header X-Fgs-Rules \$fgs_policy_rules always;
        location / {
            %%PROXY%%
        }
    }
CONF
}

$t = FgsTest->new(http => $http, server => <<'CONF');
    fgs_policy %%POLICY%%;
    add_header X-Fgs-Op $fgs_policy_operation always;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Fgs-Rules $fgs_policy_rules always;
    location / {
        %%PROXY%%
    }
CONF
$server{$main_key} = $t->port;

# the variants: the same policy, the expiries moved so that each
# exception is live now exactly when it is live at the cases' "now"
for my $c (@cases) {
    my $v = $c->{variant};
    next if $v eq '' || $variant_file{$v};
    my $p = json_decode($policy_text);
    my @live = split //, $v;
    for my $i (0 .. $#live) {
        $p->{exceptions}[$i]{expires} = $live[$i]
            ? '2099-12-31T23:59:59Z' : '2000-01-01T00:00:00Z';
    }
    my $file = $t->prefix . "/conf/policy-exceptions-$v.json";
    FgsTest::spew($file, JSON::PP->new->utf8->canonical->pretty->encode($p));
    $variant_file{$v} = $file;
}
note('policy variants for exceptions: '
     . join(', ', map { "$_->{file} ($_->{variant})" }
                  grep { $_->{variant} ne '' } @cases));

$t->start;


# --- the CLI

# fgs-policy eval for a case: (exit status, decoded output, forwarded
# bytes or undef)
my $nrun = 0;
sub cli_eval {
    my ($c, $policy_file, %o) = @_;

    my $n = ++$nrun;
    my $dir = $t->prefix . '/data';
    my $body = "$dir/cli-$n.body";
    my $out = "$dir/cli-$n.out";
    my $fwd = "$dir/cli-$n.forwarded";
    my @argv = ($CLI, 'eval', $policy_file, '--op', $c->{op});
    push @argv, '--urn', $c->{urn} if defined $c->{urn};
    push @argv, '--project', $c->{project} if defined $c->{project};
    push @argv, '--mode', $c->{mode} if $c->{mode};
    push @argv, '--signed' if $c->{signed};
    push @argv, '--now', $o{now} if defined $o{now};
    push @argv, '--out', $fwd;
    if (defined $c->{bytes}) {
        FgsTest::spew($body, $c->{bytes});
        push @argv, $body;
    }
    my $rc = FgsTest::run_cmd(\@argv, $out, 30);
    my $text = FgsTest::slurp($out);
    my $res = eval { json_decode($text) };
    diag("fgs-policy eval said: $text") unless $res;
    return ($rc, $res, -f $fwd ? FgsTest::slurp($fwd) : undef);
}

sub project_of {
    my ($c) = @_;
    return $c->{project} if defined $c->{project};
    return (split /:/, $c->{urn})[3];
}

# the request nginx gets for a case
sub send_case {
    my ($c) = @_;

    my $proj = project_of($c);
    my ($method, $target);
    if ($c->{op} eq 'code' || $c->{op} eq 'config') {
        ($method, $target) = ('PUT', "/v2/$proj/fgs/functions/$c->{urn}/"
                                     . $c->{op});
    } elsif ($c->{op} eq 'create') {
        ($method, $target) = ('POST', "/v2/$proj/fgs/functions");
    } elsif (defined $c->{urn}) {
        ($method, $target) = ('DELETE', "/v2/$proj/fgs/functions/$c->{urn}");
    } else {
        ($method, $target) = ('POST', "/v2/$proj/fgs/triggers");
    }

    my @h = $c->{signed}
        ? ('Authorization' => $AKSK, 'X-Sdk-Date' => '20261123T100000Z')
        : ('X-Auth-Token' => $TOKEN);
    push @h, 'Content-Type' => 'application/json' if defined $c->{bytes};

    my $r = $t->request(method => $method, target => $target,
                        body => $c->{bytes}, headers => \@h,
                        port => $server{"$c->{variant}|$c->{mode}"});
    return ($r, $method, $target);
}

# the rules $fgs_policy_rules names for a CLI result: violated (enforced,
# then audited) or rewriting, each once, in that order
sub rules_of {
    my ($res) = @_;
    my (%seen, @r);
    for my $x (@{ $res->{violations} }, @{ $res->{audited} },
               @{ $res->{rewrites} })
    {
        push @r, $x->{rule} if defined $x->{rule} && !$seen{ $x->{rule} }++;
    }
    return join ',', @r;
}

# the variant's exceptions expire relative to the real now: a denial
# that names an expired exception names its own date
sub strip_applied {
    my ($res) = @_;
    my %r = %$res;
    delete @r{qw(body body_file)};
    my $date = sub { my ($s) = @_; $s =~ s/(expired on )[^)]+\)/$1DATE)/g;
                     return $s };
    $r{error_msg} = $date->($r{error_msg}) if defined $r{error_msg};
    $r{violations} = [ map { { %$_, message => $date->($_->{message}) } }
                       @{ $r{violations} // [] } ];
    return \%r;
}


# --- every case, both ways

my %decisions;
for my $c (@cases) {
    my $f = $c->{file};
    my $pfile = $variant_file{ $c->{variant} };

    subtest "$f: nginx and fgs-policy eval agree" => sub {
        $t->mock_reset;
        $t->seed_functions($c->{urn})
            if defined $c->{urn} && $c->{op} ne 'create';

        my ($crc, $cli, $cfwd) = cli_eval($c, $pfile);
        ok($cli, 'the CLI printed a decision') or return;
        is($cli->{decision}, $c->{expect}{decision},
           "the CLI decides $c->{expect}{decision}, as the case expects");
        is($crc, { allow => 0, rewrite => 0, audit => 0, deny => 3,
                   error => 4 }->{ $cli->{decision} } // -99,
           'the CLI exit status goes with the decision');

        if ($c->{variant} ne '') {
            my ($orc, $orig, $ofwd) = cli_eval($c, $POLICY, now => $c->{now});
            is_deeply(strip_applied($orig), strip_applied($cli),
                      "the CLI decides alike on conf/policy.json at $c->{now}"
                      . ' and on the variant now');
            is($ofwd, $cfwd, 'and forwards the same bytes');
        }

        my ($r, $method, $target) = send_case($c);
        ok($r->complete, 'nginx answered') or return;
        $decisions{ $cli->{decision} }++;

        is($r->header('x-fgs-decision'), $cli->{decision},
           "nginx decides $cli->{decision}") or diag($r->summary);
        is($r->header('x-fgs-op'), $c->{op}, "operation $c->{op}");
        is($r->header('x-fgs-rules') // '', rules_of($cli),
           '$fgs_policy_rules names the rules the CLI reports');

        my $recs = $t->mock_requests;
        if ($cli->{decision} eq 'deny' || $cli->{decision} eq 'error') {
            is($r->status, $cli->{status}, "status $cli->{status}");
            my $e = eval { json_decode($r->body) } // {};
            is($e->{error_code}, $cli->{error_code},
               'error_code ' . ($cli->{error_code} // 'none'));
            my @nv = map { { rule => $_->{rule}, field => $_->{field},
                             message => $_->{message} } }
                     @{ $e->{violations} // [] };
            is_deeply(\@nv, $cli->{violations},
                      'the same violations: rule, field, message, order');
            is($e->{error_msg}, $cli->{error_msg}, 'the same error_msg');
            is(scalar @$recs, 0, 'nothing forwarded');
            ok(!defined $cfwd, 'the CLI forwards nothing either');
            return;
        }

        is($cli->{status}, 200, 'the CLI says forwarded (200)');
        like($r->status, qr/^2\d\d$/, 'nginx forwarded it: the mock '
             . 'answered ' . $r->status) or diag($r->summary);
        is(scalar @$recs, 1, 'the upstream got one request') or return;
        my $rec = $recs->[0];
        is("$rec->{method} $rec->{target}", "$method $target",
           'method and target unchanged');
        if (!defined $c->{bytes}) {
            is($rec->{length}, 0, 'no body, as sent');
            return;
        }
        ok(defined $cfwd, 'the CLI wrote the forwarded body') or return;
        is($rec->{length}, length $cfwd, 'the same length');
        ok($rec->{body} eq $cfwd, 'the forwarded bytes are the CLI\'s')
            or diag(FgsTest::first_difference($rec->{body}, $cfwd));
        is($rec->{headers}{'content-length'}, length $cfwd,
           'Content-Length of the forwarded body');
        if ($cli->{decision} eq 'rewrite') {
            ok($cfwd ne $c->{bytes}, 'rewritten: the body changed');
        } else {
            ok($cfwd eq $c->{bytes}, 'not rewritten: byte for byte');
        }
    };
}

# the suite really spans the decisions
for my $d (qw(allow rewrite audit deny error)) {
    ok($decisions{$d}, "cases with decision $d: " . ($decisions{$d} // 0));
}
ok((grep { $_->{variant} ne '' } @cases),
   'a case runs under a policy variant for its "now"');
ok((grep { $_->{signed} } @cases), 'signed cases are among them');
ok((grep { $_->{mode} } @cases), 'fgs_policy_mode cases are among them');

$t->finish;
done_testing;
