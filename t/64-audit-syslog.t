# Audit records to syslog (docs/directives.md: fgs_policy_audit_log
# syslog:server=...; docs/audit.md, "The chain"): a UDP listener in the test
# receives one datagram per record, with nginx's syslog header (facility,
# severity, tag) and the record as it would be a line of a file; the
# records, gathered in order into a file, form one chain per worker that
# verify-audit checks, ended when the worker exits.  A file destination in
# the same server gets the same records, in a chain of its own.

use strict;
use warnings;

use Test::More;
use IO::Select;
use IO::Socket::INET;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $udp = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                Proto => 'udp')
    or BAIL_OUT("cannot open a UDP socket: $!");
my $port = $udp->sockport;

my $server = <<"CONF";
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log syslog:server=127.0.0.1:$port,tag=fgs_audit;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log;
    add_header X-Fgs-Request-Id \$request_id always;
    location / {
        %%PROXY%%
    }
CONF

my $t = FgsTest->new(server => $server);
$t->start;

my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(urn('dev-reports'));

# Every datagram that arrives until none has for half a second (bounded).
sub receive {
    my @got;
    my $sel = IO::Select->new($udp);
    for (1 .. 1000) {
        last unless $sel->can_read(0.5);
        my $d;
        $udp->recv($d, 65536);
        push @got, $d;
    }
    return @got;
}

my @ids;
for my $body (
    canonical_json({ func_name => 'dev-reports', runtime => 'Python3.12',
                     handler => 'index.handler', memory_size => 512,
                     timeout => 30, code_encrypt_kms_key_id => $KMS }),
    canonical_json({ func_name => 'dev-reports', runtime => 'Python2.7',
                     handler => 'index.handler', memory_size => 512,
                     timeout => 30, code_encrypt_kms_key_id => $KMS }),
    '{"runtime":')
{
    my $r = $t->json_put(config_path('dev-reports'), $body);
    push @ids, $r->header('x-fgs-request-id');
}

my @dgrams = receive();
ok(@dgrams == 4, scalar(@dgrams) . ' datagrams: an intent and three '
                 . 'records');

my (@records, $bad);
for my $d (@dgrams) {
    if ($d =~ /^<(\d+)>\w{3} [ \d]\d \d\d:\d\d:\d\d \S+ fgs_audit: (\{.*\})\z/s)
    {
        my ($pri, $json) = ($1, $2);
        $bad++ if $pri != 23 * 8 + 6 || $json =~ /\n/;
        push @records, $json;
    } else {
        $bad++;
        diag("unexpected datagram: $d");
    }
}
ok(!$bad, 'each: <190> (local7.info), a timestamp, the host, the tag, '
          . 'and one record without a newline');

my %kinds;
for my $j (map { json_decode($_) } @records) {
    $kinds{ $j->{kind} }{ $j->{request_id} // '' } = $j;
}
is($kinds{request}{ $ids[0] }{decision}, 'allow', 'the allowed request');
ok($kinds{intent}{ $ids[0] }, 'with its intent');
is($kinds{request}{ $ids[1] }{decision}, 'deny', 'the denied request');
is($kinds{request}{ $ids[2] }{error_code}, 'FGSPOL.4000',
   'the refused request');

my $file = $t->prefix . '/logs/syslog-audit.log';
FgsTest::spew($file, join('', map { "$_\n" } @records));
my ($rc, $out) = $t->verify_audit('--live', $file);
is($rc, 0, 'the records, one a line, verify as a chain (--live)')
    or diag($out);

# the file's last request record may still wait in its buffer
$t->wait_audit_records('request', 3, $t->prefix . '/logs/audit.log');
my @in_file = map { $_->{raw} =~ s/\n\z//r }
              $t->audit_lines($t->prefix . '/logs/audit.log');
is_deeply([ map { json_decode($_)->{request_id} } @in_file ],
          [ map { json_decode($_)->{request_id} } @records ],
          'the file destination got the same records, in the same order');
isnt(json_decode($in_file[0])->{chain}, json_decode($records[0])->{chain},
     'in a chain of its own');

$t->finish;

($rc, $out) = $t->verify_audit($t->prefix . '/logs/audit.log');
is($rc, 0, 'the file verifies') or diag($out);

my @last = receive();
my ($end) = grep { /"kind":"end"/ } @last;
ok($end, 'the worker ended its chain as it exited');
push @records, map { /fgs_audit: (\{.*\})\z/s ? $1 : () } @last;

FgsTest::spew($file, join('', map { "$_\n" } @records));
($rc, $out) = $t->verify_audit($file);
is($rc, 0, 'and the whole chain verifies, ended') or diag($out);

done_testing;
