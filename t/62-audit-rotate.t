# Audit files under rotation and reload (docs/audit.md, "The chain" and
# "Rotation"): while three clients send governed requests to two workers,
# the audit file is renamed and reopened (nginx -s reopen), nginx is
# reloaded, and the file is rotated again.  No record is lost (one request
# record per answered request, across the three files), no line is torn,
# each worker's chain goes on from the rotated file into the new one ("end"
# then "start"), the reload starts new chains and the old workers end
# theirs, and verify-audit finds the three files intact, together and each
# on its own.

use strict;
use warnings;

use Test::More;
use POSIX ();
use Time::HiRes qw(sleep time);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $server = <<'CONF';
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log;
    add_header X-Fgs-Request-Id $request_id always;
    location / {
        %%PROXY%%
    }
CONF

my $t = FgsTest->new(server => $server, workers => 2, auto_reset => 0);
$t->start;

my $p = $t->prefix;
my $audit = "$p/logs/audit.log";
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(urn('dev-reports'));

my @bodies = (
    canonical_json({ func_name => 'dev-reports', runtime => 'Python3.12',
                     handler => 'index.handler', memory_size => 512,
                     timeout => 30, code_encrypt_kms_key_id => $KMS }),
    canonical_json({ func_name => 'dev-reports', runtime => 'Python2.7',
                     handler => 'index.handler', memory_size => 512,
                     timeout => 30, code_encrypt_kms_key_id => $KMS }),
    canonical_json({ func_name => 'dev-reports', runtime => 'Python3.12',
                     handler => 'index.handler', memory_size => 512,
                     timeout => 30 }),
);

# --- the clients: each sends up to 400 requests until told to stop, and
# writes the request ids of the answers it got

my $stop = "$p/data/stop";
my @kids;

for my $k (1 .. 3) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my @ids;
        for my $i (1 .. 400) {
            last if -e $stop;
            my $r = $t->json_put(config_path('dev-reports'),
                                 $bodies[$i % @bodies],
                                 'Connection' => $i % 2 ? 'close'
                                                        : 'keep-alive');
            push @ids, $r->header('x-fgs-request-id') // 'none'
                if $r->complete && $r->status;
            sleep(0.003);
        }
        FgsTest::spew("$p/data/client-$k", join("\n", @ids) . "\n");
        POSIX::_exit(0);
    }
    push @kids, $pid;
}

sleep(0.4);
ok(rename($audit, "$audit.1"), 'the audit file renamed to audit.log.1');
kill 'USR1', $t->master_pid;
sleep(0.4);
ok($t->reload, 'reload while the clients send');
sleep(0.4);
ok(rename($audit, "$audit.2"), 'renamed again to audit.log.2');
kill 'USR1', $t->master_pid;
sleep(0.4);
FgsTest::spew($stop, '');
waitpid($_, 0) for @kids;

my @answered;
for my $k (1 .. 3) {
    push @answered, grep { length }
                    split /\n/, FgsTest::slurp("$p/data/client-$k");
}
ok(@answered > 60, scalar(@answered) . ' requests answered during the run');
ok(!grep({ $_ eq 'none' } @answered), 'each with its request id');

sleep(0.3);
$t->finish;

my @files = ("$audit.1", "$audit.2", $audit);
my @lines = $t->audit_lines(@files);

for my $f (@files) {
    ok(scalar(grep { $_->{file} eq $f } @lines), "$f has records");
}

my @torn = grep { !$_->{json} || $_->{raw} !~ /\n\z/ } @lines;
ok(!@torn, 'no torn line: every line one JSON object with its newline')
    or diag(join "\n", map { "$_->{file}:$_->{line}: $_->{raw}" }
                       @torn[0 .. ($#torn < 4 ? $#torn : 4)]);

my %records;
$records{ $_->{request_id} }++ for $t->audit_records('request', @files);
my @lost = grep { !$records{$_} } @answered;
ok(!@lost, 'every answered request has its record: none lost')
    or diag(scalar(@lost) . ' lost, e.g. ' . join(', ', @lost[0 .. 2]));
ok(!grep({ $_ != 1 } values %records), 'and exactly one');
is(scalar(keys %records), scalar(@answered),
   'as many request records as answers');

# the chains: new ones after the reload, continued across rotations

my %chains;
for my $l (@lines) {
    next unless $l->{json};
    push @{ $chains{ $l->{json}{chain} } }, $l;
}
ok(keys(%chains) >= 3, scalar(keys %chains) . ' chains: two workers, '
                       . 'then new workers after the reload');
ok(scalar(grep { $_->{json}{kind} eq 'start' } @lines),
   'a chain goes on in a new file with a start record');

my $ends_ok = 1;
for my $c (values %chains) {
    $ends_ok = 0 unless $c->[-1]{json}{kind} eq 'end';
}
ok($ends_ok, 'every chain ends with an end record (rotation or exit)');

my ($rc, $out) = $t->verify_audit(@files);
is($rc, 0, 'verify-audit: the three files together are intact')
    or diag($out);
like($out, qr/^audit OK: \d+ records, \d+ chains/m, 'says OK') or diag($out);

for my $f (@files) {
    ($rc, $out) = $t->verify_audit($f);
    is($rc, 0, "verify-audit $f alone: intact") or diag($out);
}

($rc, $out) = $t->verify_audit("$audit.1", $audit);
isnt($rc, 0, 'with the middle file missing, verify-audit says so');

done_testing;
