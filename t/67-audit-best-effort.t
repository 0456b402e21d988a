# A collector that is down does not take the gateway down: a syslog
# destination declared best_effort gets every record while it listens,
# and when it does not (the kernel refuses the datagrams), its records
# are counted and logged as errors while the governed requests go on,
# their intents accepted by the local file that carries the "closed"
# guarantee.  Without best_effort the same outage refuses requests with
# 503 FGSPOL.5030, as the guarantee says.  nginx -t refuses "closed"
# with best_effort destinations only, and a destination declared both
# ways.

use strict;
use warnings;

use Test::More;
use IO::Select;
use IO::Socket::INET;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

# a loopback UDP port with nobody on it: bound, then closed
sub dead_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Proto => 'udp')
        or BAIL_OUT("cannot open a UDP socket: $!");
    my $port = $s->sockport;
    close $s;
    return $port;
}

my $port = dead_port();

sub server {
    my ($dest) = @_;
    return <<"CONF";
    fgs_policy %%DATA%%/policy-plain.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log;
    fgs_policy_audit_log $dest;
    add_header X-Fgs-Request-Id \$request_id always;
    location / {
        %%PROXY%%
    }
CONF
}

my $t = FgsTest->new(
    server => server("syslog:server=127.0.0.1:$port,tag=fgs best_effort"),
    auto_reset => 0);

my ($rc, $out) = $t->nginx_t(server => <<"CONF");
    fgs_policy %%DATA%%/policy-plain.json;
    fgs_policy_audit_log syslog:server=127.0.0.1:$port best_effort;
    location / { %%PROXY%% }
CONF
isnt($rc, 0, 'closed with only a best_effort destination is refused');
like($out, qr/needs an audit destination that is not best_effort/,
     '... saying what it needs') or diag($out);

($rc, $out) = $t->nginx_t(server => <<"CONF");
    fgs_policy %%DATA%%/policy-plain.json;
    fgs_policy_audit_fail open;
    fgs_policy_audit_log syslog:server=127.0.0.1:$port best_effort;
    location / { %%PROXY%% }
CONF
is($rc, 0, 'with fgs_policy_audit_fail open it is accepted') or diag($out);

($rc, $out) = $t->nginx_t(server => <<"CONF");
    fgs_policy %%DATA%%/policy-plain.json;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log best_effort;
    location / { %%PROXY%% }
CONF
isnt($rc, 0, 'one destination declared both ways is refused');
like($out, qr/declared both with and without best_effort/, '... by name')
    or diag($out);

($rc, $out) = $t->nginx_t(server => <<"CONF");
    fgs_policy %%DATA%%/policy-plain.json;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log always;
    location / { %%PROXY%% }
CONF
isnt($rc, 0, 'an unknown parameter is refused');
like($out, qr/invalid parameter "always"/, '... by name') or diag($out);

$t->start;
$t->seed_functions(urn('fn-test'));

# Over a connected UDP socket the kernel refuses a datagram once the
# port-unreachable answer to the one before has come back; nginx then
# opens a new socket, whose first datagram it takes.  A request refused
# before the policy (one record, no intent) puts the next change's
# intent on a refused send.
sub changes {
    my ($t, $n) = @_;

    my $r = $t->json_put(config_path('fn-test'), '{"runtime":');
    $t->is_status($r, 400, 'a body that is refused: one record');

    my %status;
    for my $i (1 .. $n) {
        $r = $t->json_put(config_path('fn-test'),
                          config_json('fn-test', timeout => 10 + $i));
        $status{ $r->status }++;
        $t->is_fgs_error($r, 503, 'FGSPOL.5030', 'a refusal is 5030')
            if $r->status == 503 && $status{503} == 1;
    }
    return \%status;
}

my $n = 30;
my $status = changes($t, $n);
is_deeply($status, { 200 => $n },
          "$n changes while the collector is down: all forwarded");
is(scalar @{ $t->mock_requests }, $n, '... and all reached the upstream');

my @intents = $t->audit_records('intent', $t->prefix . '/logs/audit.log');
my @records = $t->wait_audit_records('request', $n + 1,
                                     $t->prefix . '/logs/audit.log');
is(scalar @intents, $n, 'the file holds every intent');
is(scalar @records, $n + 1, '... and every record');

my $log = $t->error_log;
like($log, qr/\[error\].*could not be written to "syslog:server=127\.0\.0\.1:$port,tag=fgs", a best_effort destination/,
     'the refused datagrams are an error in the log, naming the collector');

unlike($log, qr/\[alert\]/, 'and not an alert');

# the collector comes back on the same port: records reach it again
# (another process may hold the port for a moment: a bounded retry)
my $udp;
for (1 .. 50) {
    $udp = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => $port,
                                 Proto => 'udp')
        and last;
    select undef, undef, undef, 0.1;
}
$udp or BAIL_OUT("cannot listen on UDP port $port again: $!");
# (the socket may still hold the refusal of a datagram sent before)
my $r = $t->json_put(config_path('fn-test'), config_json('fn-test'));
$r = $t->json_put(config_path('fn-test'), config_json('fn-test'));
$t->is_status($r, 200, 'a change once the collector is back');
my $id = $r->header('x-fgs-request-id') // 'none';
my @got;
my $sel = IO::Select->new($udp);
for (1 .. 10) {
    last unless $sel->can_read(0.5);
    my $d;
    $udp->recv($d, 65536);
    push @got, $d;
}
ok((grep { /"kind":"intent"/ && /"request_id":"$id"/ } @got)
   && (grep { /"kind":"request"/ && /"request_id":"$id"/ } @got),
   'its intent and record reach the collector again')
    or diag(explain(\@got));
close $udp;

$t->finish;

($rc, $out) = $t->verify_audit($t->prefix . '/logs/audit.log');
is($rc, 0, 'the file verifies: nothing lost where the guarantee rests')
    or diag($out);

# the same outage without best_effort: the guarantee refuses changes
my $t2 = FgsTest->new(server => server("syslog:server=127.0.0.1:$port"),
                      auto_reset => 0,
                      allow_log => [ qr/could not be written to "syslog:/ ]);
$t2->start;
$t2->seed_functions(urn('fn-test'));
$status = changes($t2, 10);
my $refused = $status->{503} // 0;
cmp_ok($refused, '>=', 1, "without best_effort the outage refuses changes "
                          . "($refused of 10)");
is(scalar @{ $t2->mock_requests }, $status->{200} // 0,
   '... and only the accepted ones were forwarded');
$t2->finish;

done_testing;
