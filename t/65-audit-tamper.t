# Tamper evidence (docs/audit.md, "The chain" and "fgs-policy
# verify-audit"): fgs-policy verify-audit on an audit file that nginx wrote
# names the first line that was altered, removed, inserted or moved,
# whatever was done: a field changed, a line removed (first, middle, last,
# the last few), a line inserted (a copy, or a forged record with a hash of
# its own), two lines swapped, the file cut in the middle of a line; and
# says OK for the file as written.

use strict;
use warnings;

use Test::More;

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

my $t = FgsTest->new(server => $server);
$t->start;

my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(urn('dev-reports'));

for my $i (1 .. 6) {
    $t->json_put(config_path('dev-reports'), canonical_json({
        func_name => 'dev-reports',
        runtime => $i % 2 ? 'Python3.12' : 'Python2.7',
        handler => 'index.handler', memory_size => 512, timeout => 30,
        code_encrypt_kms_key_id => $KMS }));
}
$t->finish;

my $p = $t->prefix;
my $audit = "$p/logs/audit.log";
my @orig = map { $_->{raw} } $t->audit_lines($audit);
ok(@orig >= 10, scalar(@orig) . ' lines written');

my ($rc, $out) = $t->verify_audit($audit);
is($rc, 0, 'the file as written: OK') or diag($out);

my $n = 0;

# Writes the lines to a new file, runs verify-audit on it: the exit status
# and the first problem's line number and sentence.
sub verify_lines {
    my (@lines) = @_;
    my $f = "$p/logs/tampered-" . ++$n . '.log';
    FgsTest::spew($f, join '', @lines);
    my ($rc, $out) = $t->verify_audit($f);
    my ($line, $why) = $out =~ /^\Q$f\E:(\d+): error: (.*)$/m;
    return ($rc, $line // 0, $why // '', $out);
}

sub tampered {
    my ($name, $want_line, $want_why, @lines) = @_;

    local $Test::Builder::Level = $Test::Builder::Level + 1;
    my ($rc, $line, $why, $out) = verify_lines(@lines);
    subtest $name => sub {
        is($rc, 1, 'verify-audit exits 1');
        is($line, $want_line, "the first problem is line $want_line");
        like($why, $want_why, 'saying why');
        like($out, qr/^audit FAILED: \d+ error/m, 'and FAILED');
    } or diag($out);
}

# the index of a request record whose status can be changed
my ($k) = grep { $orig[$_] =~ /"kind":"request".*"status":200/ } 2 .. $#orig;
ok(defined $k, 'a request record with status 200 to alter');

my @l = @orig;
$l[$k] =~ s/"status":200/"status":201/;
tampered('a field altered', $k + 1, qr/altered/, @l);

# a forwarded request's decision is in its intent (its request record
# refers to it)
my ($d) = grep { $orig[$_] =~ /"decision":"allow"/ } 2 .. $#orig;
@l = @orig;
$l[$d] =~ s/"decision":"allow"/"decision":"deny" /;
tampered('a field altered, padded to the same length', $d + 1,
         qr/altered/, @l);

@l = @orig;
splice @l, $k, 1;
tampered('a line removed in the middle', $k + 1, qr/removed/, @l);

@l = @orig;
splice @l, 0, 1;
tampered('the first line removed', 1, qr/begins at seq 2|removed/, @l);

@l = @orig;
splice @l, -1, 1;
tampered('the last line removed', scalar(@l), qr/without an end record/, @l);

@l = @orig;
splice @l, -3, 3;
tampered('the last three lines removed', scalar(@l),
         qr/without an end record/, @l);

@l = @orig;
splice @l, $k + 1, 0, $orig[1];
tampered('a copy of line 2 inserted', $k + 2, qr/inserted|repeats/, @l);

# a forged record: another record's text with a hash of its own
my $forged = $orig[$k];
$forged =~ s/"status":200/"status":202/;
$forged =~ /^(.*),"hash":"[0-9a-f]{64}"\}\n\z/s or die 'no hash';
my $body = $1;
$forged = "$body,\"hash\":\"" . sha256_hex($body) . "\"}\n";
@l = @orig;
splice @l, $k + 1, 0, $forged;
tampered('a forged record with a correct hash inserted', $k + 2,
         qr/inserted|repeats|replaced/, @l);

@l = @orig;
@l[$k, $k + 2] = @l[$k + 2, $k];
tampered('two lines swapped', $k + 1, qr/removed or moved|moved/, @l);

@l = @orig;
$l[-1] = substr($l[-1], 0, int(length($l[-1]) / 2));
tampered('the file cut in the middle of its last line', scalar(@l),
         qr/incomplete/, @l);

@l = @orig;
$l[$k] = substr($l[$k], 0, 100) . "\n";
tampered('a line cut short', $k + 1, qr/cut short/, @l);

# a full file system may stop a write after any byte, even the first
@l = @orig;
$l[$k] = "{\n";
tampered('a line cut after its first byte', $k + 1, qr/cut short/, @l);

@l = @orig;
splice @l, $k, 0, "some text\n";
tampered('a line of text inserted', $k + 1, qr/not an audit record/, @l);

# the command's own errors
($rc, $out) = $t->verify_audit();
is($rc, 2, 'no file: usage, exit 2');
($rc, $out) = $t->verify_audit("$p/logs/no-such-file");
is($rc, 4, 'a file that cannot be read: exit 4');

done_testing;
