# Audit files verify right after a rotation (docs/audit.md, "Rotation"):
# with two workers that have each written records, the file is renamed and
# reopened as logrotate's postrotate does (mv, then USR1 to the master), and
# no request follows.  Each worker seals the old file with "rotate" and
# writes its "start" into the new one as it reopens it, not at its next
# request, so that verify-audit passes on both files at once, straight away;
# and the same when the rotated file is gzip-compressed, as logrotate's
# "compress" leaves it: verify-audit reads .gz files and says the same of
# them as of the plain ones.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep time);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $server = <<'CONF';
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log;
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

my @workers = $t->worker_pids;
is(scalar @workers, 2, 'two workers');

# requests until both workers have a chain in the file (bounded)
my %chain_of;
for my $i (1 .. 300) {
    $t->json_put(config_path('dev-reports'), canonical_json({
        func_name => 'dev-reports',
        runtime => $i % 3 ? 'Python3.12' : 'Python2.7',
        handler => 'index.handler', memory_size => 512, timeout => 30,
        code_encrypt_kms_key_id => $KMS }));
    %chain_of = map { $_->{json}{worker} => $_->{json}{chain} }
                grep { $_->{json} } $t->audit_lines($audit);
    last if keys %chain_of >= 2 && $i >= 6;
}
is_deeply([sort { $a <=> $b } keys %chain_of], \@workers,
          'both workers wrote records');

# Renames the file and sends USR1, then waits (bounded) until each
# worker has sealed the old file with "rotate".  Returns how long each
# worker's "start" took to appear in the new file: never sent a request.
sub rotate {
    my ($to) = @_;

    ok(rename($audit, $to), "audit.log renamed to " . ($to =~ s{.*/}{}r));
    kill 'USR1', $t->master_pid;

    my (%rotated, %started);
    my $deadline = time + 10;
    while (time < $deadline) {
        %rotated = map { $_->{json}{chain} => 1 }
                   grep { $_->{json} && $_->{json}{kind} eq 'rotate' }
                   $t->audit_lines($to);
        %started = map { $_->{json}{chain} => 1 }
                   grep { $_->{json} && $_->{json}{kind} eq 'start' }
                   $t->audit_lines($audit);
        last if keys %rotated >= 2 && keys %started >= 2;
        sleep 0.05;
    }
    is_deeply([sort keys %rotated], [sort values %chain_of],
              'each worker sealed the rotated file');
    is_deeply([sort keys %started], [sort values %chain_of],
              'each worker began the new file with "start", without a '
              . 'request');
}

rotate("$audit.1");

my @new = grep { $_->{json} } $t->audit_lines($audit);
ok(!grep({ $_->{json}{kind} ne 'start' } @new),
   'the new file holds only the start records') or diag(explain \@new);

my ($rc, $out) = $t->verify_audit('--live', "$audit.1", $audit);
is($rc, 0, 'verify-audit --live audit.log.1 audit.log: intact, at once')
    or diag($out);
like($out, qr/^audit OK: .* 2 file\(s\)$/m, 'says OK') or diag($out);
my $plain = $out;

($rc, $out) = $t->verify_audit("$audit.1");
is($rc, 0, 'the rotated file alone: intact') or diag($out);

# --- gzip, as logrotate's "compress" leaves the rotated file

FgsTest::spew("$p/logs/keep.1", FgsTest::slurp("$audit.1"));
my $zrc = FgsTest::run_cmd(['gzip', '-9n', "$audit.1"], "$p/logs/gzip.out",
                           30);
is($zrc, 0, 'audit.log.1 gzip-compressed to audit.log.1.gz');
ok(!-e "$audit.1" && -s "$audit.1.gz", 'only the .gz is left');
isnt(FgsTest::slurp("$audit.1.gz"), FgsTest::slurp("$p/logs/keep.1"),
     'its bytes are not the plain file\'s');

($rc, $out) = $t->verify_audit('--live', "$audit.1.gz", $audit);
is($rc, 0, 'verify-audit --live audit.log.1.gz audit.log: intact')
    or diag($out);
is($out, $plain, 'word for word what it says of the plain file');

# a damaged .gz: read errors are not "intact"
my $gz = FgsTest::slurp("$audit.1.gz");
FgsTest::spew("$p/logs/cut.gz", substr($gz, 0, int(length($gz) / 2)));
($rc, $out) = $t->verify_audit("$p/logs/cut.gz");
is($rc, 4, 'a .gz cut short cannot be read: exit 4') or diag($out);

my $bad = FgsTest::slurp("$p/logs/keep.1");
$bad =~ s/"decision":"deny"/"decision":"allow"/;
FgsTest::spew("$p/logs/altered", $bad);
FgsTest::run_cmd(['gzip', '-9n', "$p/logs/altered"], "$p/logs/gzip.out", 30);
($rc, $out) = $t->verify_audit("$p/logs/altered.gz");
is($rc, 1, 'an altered record inside a .gz is found') or diag($out);
like($out, qr/^\Q$p\E\/logs\/altered\.gz:\d+: error: /m,
     'named by the .gz file and its line');

# --- a second rotation, then nginx stops: the three files verify whole

rotate("$audit.2");
($rc, $out) = $t->verify_audit('--live', "$audit.1.gz", "$audit.2", $audit);
is($rc, 0, 'after a second rotation: the three files, at once') or diag($out);

$t->finish;

($rc, $out) = $t->verify_audit("$audit.1.gz", "$audit.2", $audit);
is($rc, 0, 'and once nginx stopped, without --live') or diag($out);
like($out, qr/\(2 ended, 0 open\)/, 'both chains ended') or diag($out);

done_testing;
