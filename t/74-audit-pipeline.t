# The audit trail shipped off the nodes by a real log pipeline, with
# nothing lost (docs/deployment.md, "Shipping the audit file"; docs/audit.md,
# "Records collected centrally").
#
# Two gateway nodes (two nginx instances with their own prefixes, each with
# two workers and an audit file, fail closed, the default buffering) run in
# front of a mock FunctionGraph each.  On each node an rsyslogd of its own
# (not a daemon, started here, its own work directory and state files)
# runs conf/rsyslog/fgs-audit-node.conf as shipped, with only the paths,
# the collector's address and the node's name pointed into this test:
# imfile follows the audit file and RELP carries its lines to a central
# rsyslogd running conf/rsyslog/fgs-audit-central.conf, which keeps each
# node's records in a file of its own, each line as the module wrote it.
#
# A burst of governed requests (allowed, rewritten, denied, in turn)
# goes through both nodes over kept-alive connections.  During it the
# central rsyslogd is stopped, for several seconds, and started again,
# and one node's audit file is rotated (renamed, then nginx -s reopen).
# No request is refused for it.  Afterwards, once the nodes have stopped
# and ended their chains: every line of each node's files is in the
# central file of that node, and nothing else is; duplicates, which RELP
# may deliver, are counted and left out by "fgs-policy dedup-audit", whose
# output is then line for line the node's files; every request the
# clients got an answer for has its request record there exactly once;
# and "fgs-policy verify-audit" accepts the central files and the nodes'
# own.  The counts are printed.
#
# FGS_PIPELINE_REQUESTS sets the number of requests (default 12000),
# FGS_PIPELINE_RATE how many are sent a second at most (default 1000, so
# that the collector's outage and the rotation fall well within the
# burst; the gateway itself takes several times more on one core).

use strict;
use warnings;

use Test::More;
use IO::Select;
use IO::Socket::INET;
use POSIX qw(WNOHANG);
use Socket qw(IPPROTO_TCP TCP_NODELAY);
use Time::HiRes qw(sleep time);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $ROOT = $FgsTest::ROOT;
my $N = $ENV{FGS_PIPELINE_REQUESTS} || 12000;
my $RATE = $ENV{FGS_PIPELINE_RATE} || 1000;    # requests a second, both
                                                # nodes together
my $CONNS = 8;                  # kept-alive connections per node
my $OUTAGE = 6;                 # seconds the collector is away, at least

for my $bin (qw(rsyslogd)) {
    my $found = grep { -x "$_/$bin" } split /:/, "$ENV{PATH}:/usr/sbin";
    BAIL_OUT("$bin is missing: scripts/deps.sh installs it")
        unless $found;
}
BAIL_OUT("omrelp is missing: scripts/deps.sh installs "
         . 'rsyslog-relp')
    unless glob('/usr/lib/*/rsyslog/omrelp.so');

my $RSYSLOGD = -x '/usr/sbin/rsyslogd' ? '/usr/sbin/rsyslogd' : 'rsyslogd';


# --- two gateway nodes

my $server = <<'CONF';
    fgs_policy %%ROOT%%/conf/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log;
    fgs_policy_audit_fail closed;
    add_header X-Fgs-Request-Id $request_id always;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    location / {
        %%PROXY%%
    }
CONF

my %node;
for my $name (qw(gw-a gw-b)) {
    my $t = FgsTest->new(server => $server, workers => 2);
    $node{$name} = { name => $name, t => $t, prefix => $t->prefix,
                     audit => $t->prefix . '/logs/audit.log' };
}
my @names = sort keys %node;
my $central_dir = $node{'gw-a'}{prefix} . '/central';
my $store = "$central_dir/store";
my $relp_port = FgsTest::free_port();


# --- the shipped configurations, pointed into this test

# each replacement must match: a changed file fails here
sub localise {
    my ($file, @subst) = @_;

    my $conf = FgsTest::slurp("$ROOT/conf/rsyslog/$file");
    my @bad;
    for my $s (@subst) {
        my ($re, $with) = @$s;
        push @bad, "$re" unless $conf =~ s/$re/$with/g;
    }
    ok(!@bad, "$file: the site's names are found and replaced")
        or diag(join "\n", @bad);
    return $conf;
}

# the main configuration of one rsyslogd: its own work directory, the
# host name the node would have, its own messages in a file of its own
sub rsyslog_main {
    my ($dir, $host, $conf) = @_;

    mkdir $dir;
    mkdir "$dir/work";
    FgsTest::spew("$dir/fgs-audit.conf", $conf);
    FgsTest::spew("$dir/rsyslog.conf", <<"EOF");
global(workDirectory="$dir/work" localHostname="$host"
       processInternalMessages="on")
include(file="$dir/fgs-audit.conf")
syslog.* action(type="omfile" file="$dir/rsyslogd.log")
EOF
    my $out = "$dir/check.out";
    my $rc = FgsTest::run_cmd([$RSYSLOGD, '-N1', '-f', "$dir/rsyslog.conf"],
                              $out, 30);
    is($rc, 0, "rsyslogd -N1 accepts the configuration of $host")
        or diag(FgsTest::slurp($out));
}

sub rsyslog_start {
    my ($dir) = @_;
    return FgsTest::spawn([$RSYSLOGD, '-n', '-f', "$dir/rsyslog.conf",
                           '-i', "$dir/rsyslogd.pid"], "$dir/stdout.log");
}

rsyslog_main($central_dir, 'collector', localise('fgs-audit-central.conf',
    [ qr{port="2514"}, "port=\"$relp_port\"" ],
    [ qr{/var/log/fgs-audit/}, "$store/" ]));

for my $n (@names) {
    $node{$n}{rsyslog} = "$node{$n}{prefix}/rsyslog";
    rsyslog_main($node{$n}{rsyslog}, $n, localise('fgs-audit-node.conf',
        [ qr{/var/log/fgs-policy/audit\.log}, $node{$n}{audit} ],
        [ qr{target="audit\.example\.internal"}, 'target="127.0.0.1"' ],
        [ qr{port="2514"}, "port=\"$relp_port\"" ]));
}

my $central_pid = rsyslog_start($central_dir);
ok(FgsTest::wait_port($relp_port, $central_pid, 15),
   'the central rsyslogd listens for RELP');

for my $n (@names) {
    $node{$n}{t}->start;
    $node{$n}{t}->seed_functions(urn('prod-orders'), urn('dev-reports'));
    $node{$n}{rsyslog_pid} = rsyslog_start($node{$n}{rsyslog});
}


# --- the burst

my %body = map { $_ => FgsTest::slurp("$ROOT/conf/demo/config-$_.json") }
           qw(allowed rewritten denied);
my @kinds = (
    [ allowed   => 'prod-orders', 200, 'allow' ],
    [ rewritten => 'dev-reports', 200, 'rewrite' ],
    [ denied    => 'prod-orders', 403, 'deny' ],
);

sub request_bytes {
    my ($i, $port) = @_;
    my ($kind, $fn) = @{ $kinds[$i % 3] };
    return build_request(method => 'PUT', target => config_path($fn),
                         host => "127.0.0.1:$port", close => 0,
                         body => $body{$kind},
                         headers => [ 'Content-Type' => 'application/json',
                                      'X-Auth-Token' => "token-$i" ]);
}

# Parses one whole response off the front of $$buf: (status, headers)
# or () when it is not all there yet.
sub take_response {
    my ($buf) = @_;

    my $end = index($$buf, "\r\n\r\n");
    return () if $end < 0;
    my $head = substr($$buf, 0, $end);
    my ($status) = $head =~ m{^HTTP/1\.1 (\d{3})} or die "bad answer: $head";
    my %h;
    $h{ lc $1 } = $2 while $head =~ /\r\n([^:\r\n]+):\s*([^\r\n]*)/g;
    my $pos = $end + 4;
    if (defined $h{'content-length'}) {
        return () if length($$buf) < $pos + $h{'content-length'};
        $pos += $h{'content-length'};
    } elsif (($h{'transfer-encoding'} // '') =~ /chunked/i) {
        while (1) {
            my $nl = index($$buf, "\r\n", $pos);
            return () if $nl < 0;
            my $size = hex substr($$buf, $pos, $nl - $pos);
            return () if length($$buf) < $nl + 2 + $size + 2;
            $pos = $nl + 2 + $size + 2;
            last if $size == 0;
        }
    }
    substr($$buf, 0, $pos) = '';
    return ($status, \%h);
}

# Sends $total requests, node by node in turn, over $CONNS kept-alive
# connections per node, at most $RATE a second; $event->($done) is called
# after each answer.  Returns the answers: { node, i, status, decision,
# id }.
sub burst {
    my ($total, $event) = @_;

    my (@answers, @conns, @idle);
    my $next = 0;
    my $out = 0;                # requests sent and not answered yet
    my $sel = IO::Select->new;
    my %by_sock;
    my $start = time;
    my $deadline = $start + 300;

    my $open = sub {
        my ($c) = @_;
        $c->{sock} = IO::Socket::INET->new(
            PeerAddr => '127.0.0.1', PeerPort => $c->{port}, Proto => 'tcp')
            or die "connect to $c->{node}: $!";
        $c->{sock}->setsockopt(IPPROTO_TCP, TCP_NODELAY, 1);
        $c->{sock}->blocking(0);
        $c->{buf} = '';
        $sel->add($c->{sock});
        $by_sock{ $c->{sock} } = $c;
    };
    my $send = sub {
        my ($c) = @_;
        $c->{i} = $next++;
        my $req = request_bytes($c->{i}, $c->{port});
        $c->{sock}->blocking(1);
        my $ok = defined $c->{sock}->send($req);
        $c->{sock}->blocking(0);
        die "send to $c->{node}: $!" unless $ok;
        $out++;
    };

    for my $k (0 .. $CONNS - 1) {
        for my $n (@names) {
            my $c = { node => $n, port => $node{$n}{t}->port };
            $open->($c);
            push @conns, $c;
            push @idle, $c;
        }
    }

    while (($next < $total || $out) && time < $deadline) {
        my $allowed = int((time - $start) * $RATE) + 1;
        while (@idle && $next < $total && $next < $allowed) {
            $send->(shift @idle);
        }
        for my $s ($sel->can_read(0.005)) {
            my $c = $by_sock{$s};
            my $got = sysread($s, $c->{buf}, 65536, length $c->{buf});
            next if !defined $got && $!{EAGAIN};
            die "$c->{node} closed a connection: " . ($! || 'EOF')
                . ' with ' . (defined $c->{i} ? "request $c->{i}"
                                              : 'no request') . ' unanswered'
                unless $got;
            my ($status, $h) = take_response(\$c->{buf}) or next;
            push @answers, { node => $c->{node}, i => $c->{i},
                             status => $status,
                             decision => $h->{'x-fgs-decision'},
                             id => $h->{'x-fgs-request-id'} };
            $out--;
            $c->{i} = undef;
            if (lc($h->{connection} // '') eq 'close') {
                $sel->remove($s);
                delete $by_sock{$s};
                close $s;
                $open->($c);
            }
            push @idle, $c;
            $event->(scalar @answers);
        }
    }
    ok($next == $total && !$out, "the burst ended within its time ("
                                 . ($total - $next + $out) . ' left)');
    close $_->{sock} for @conns;
    return @answers;
}

my ($stopped_at, $restarted_at, $rotated_at, $t0);
my %at;
my $rotated = $node{'gw-a'};

# the events, each once, at fixed points of the burst
sub events {
    my ($done) = @_;

    if (!$stopped_at && $done >= $N * 0.2) {
        kill 'TERM', $central_pid;
        $stopped_at = time;
        $at{stop} = $done;
    }
    if ($stopped_at && !$at{gone}
        && waitpid($central_pid, WNOHANG) == $central_pid)
    {
        $at{gone} = $done;
    }
    if (!$rotated_at && $done >= $N * 0.4) {
        rename $rotated->{audit}, "$rotated->{audit}.1"
            or die "rename: $!";
        kill 'USR1', $rotated->{t}->master_pid;
        $rotated_at = time;
        $at{rotate} = $done;
    }
    if ($at{gone} && !$restarted_at && $done >= $N * 0.6
        && time - $stopped_at >= $OUTAGE)
    {
        $central_pid = rsyslog_start($central_dir);
        $restarted_at = time;
        $at{start} = $done;
    }
}

$t0 = time;
my @answers = burst($N, \&events);
my $burst_time = time - $t0;

ok($at{gone}, 'the central rsyslogd stopped during the burst');
ok($restarted_at && $at{start} < $N,
   'and was started again while requests went on')
    or diag(explain(\%at));
cmp_ok($restarted_at - $stopped_at, '>=', $OUTAGE,
       "the collector was away for at least $OUTAGE s") if $restarted_at;
ok($at{rotate} && $at{rotate} < $N, 'a node\'s audit file was rotated '
                                    . 'during the burst');
ok(FgsTest::wait_port($relp_port, $central_pid, 15),
   'the central rsyslogd listens again');

is(scalar @answers, $N, "$N requests answered");
my (%per, @wrong);
for my $a (@answers) {
    my (undef, undef, $status, $decision) = @{ $kinds[$a->{i} % 3] };
    push @wrong, $a unless $a->{status} == $status
                           && ($a->{decision} // '') eq $decision;
    $per{ $a->{node} }{ $a->{decision} // 'none' }++;
}
ok(!@wrong, 'every request got its decision: allowed and rewritten '
            . 'forwarded, denied refused; none refused for the audit '
            . '(503) while the collector was away')
    or diag(explain([ @wrong[0 .. ($#wrong < 5 ? $#wrong : 4)] ]));
note(sprintf "burst: %d requests in %.1f s (%.0f/s); collector stopped "
             . "after %d answers, away %.1f s, back after %d; %s rotated "
             . "after %d", $N, $burst_time, $N / $burst_time, $at{stop},
             ($restarted_at // 0) - ($stopped_at // 0), $at{start} // -1,
             $rotated->{name}, $at{rotate} // -1);


# --- the nodes stop (each chain gets its end), the pipeline drains

for my $n (@names) {
    $node{$n}{t}->finish;
}

sub node_files {
    my ($n) = @_;
    return grep { -f } ("$node{$n}{audit}.1", $node{$n}{audit});
}

sub lines_of {
    return map { split /(?<=\n)/, FgsTest::slurp($_) } @_;
}

# every line of the node's files in the central file (duplicates or not)
my %local;
for my $n (@names) {
    $node{$n}{central} = "$store/$n/audit.log";
    $local{$n} = [ lines_of(node_files($n)) ];
}
my $deadline = time + 120;
while (time < $deadline) {
    my $missing = 0;
    for my $n (@names) {
        my %in = map { $_ => 1 } -f $node{$n}{central}
                 ? lines_of($node{$n}{central}) : ();
        $missing += grep { !$in{$_} } @{ $local{$n} };
    }
    last unless $missing;
    sleep 0.5;
}
my $drain = time - $t0 - $burst_time;

for my $n (@names) {
    ok(FgsTest::stop_pid($node{$n}{rsyslog_pid}, 20),
       "the rsyslogd of $n stopped");
}
ok(FgsTest::stop_pid($central_pid, 20), 'the central rsyslogd stopped');


# --- counts, deduplication, verification

my $nrun = 0;
sub run {
    my ($argv) = @_;
    my $out = "$central_dir/run-" . ++$nrun . '.out';
    my $rc = FgsTest::run_cmd($argv, $out, 120);
    return ($rc, FgsTest::slurp($out));
}

my @report;
for my $n (@names) {
    my $d = $node{$n};
    my @mine = @{ $local{$n} };
    my @central = -f $d->{central} ? lines_of($d->{central}) : ();
    my %answered = map { $_->{id} => 1 } grep { $_->{node} eq $n }
                   @answers;

    my ($rc, $out) = run([ $FgsTest::CLI, 'verify-audit', node_files($n) ]);
    is($rc, 0, "$n: its own audit files verify") or diag($out);
    my ($local_ok) = $out =~ /audit OK: (\d+) records/;

    my $dedup = "$central_dir/$n.dedup.log";
    ($rc, $out) = run([ $FgsTest::CLI, 'dedup-audit', '--out', $dedup,
                        $d->{central} ]);
    is($rc, 0, "$n: dedup-audit") or diag($out);
    my ($read, $dups) = $out =~ /(\d+) lines, (\d+) duplicate/;
    my @unique = lines_of($dedup);

    my %seen;
    my @twice = grep { $seen{$_}++ } @central;
    is($dups // -1, scalar @twice,
       "$n: dedup-audit left out every line stored more than once, and "
       . 'only those');
    ok(!grep { !/"chain":"[0-9a-f]{32}"/ || !/"seq":\d+/ } @twice,
       "$n: each duplicate is a record of a chain, at a seq already stored")
        if @twice;

    is_deeply([ sort @unique ], [ sort @mine ],
              "$n: the central store, duplicates left out, holds each line "
              . 'of the node\'s files once, and nothing else')
        or diag(scalar(@unique) . ' central lines against ' . scalar(@mine));

    my %order;
    my $in_order = 1;
    for my $l (@unique) {
        my ($chain, $seq) = $l =~ /"chain":"([0-9a-f]+)".*"seq":(\d+)/;
        $in_order = 0 if ($order{$chain} // 0) >= $seq;
        $order{$chain} = $seq;
    }
    ok($in_order, "$n: each chain's records arrived in order");

    my %req;
    for my $l (@unique) {
        next unless $l =~ /"kind":"request"/;
        my ($id) = $l =~ /"request_id":"([0-9a-f]+)"/;
        $req{$id}++;
    }
    my @lost = grep { ($req{$_} // 0) != 1 } keys %answered;
    ok(!@lost && keys %answered == $per{$n}{allow} + $per{$n}{rewrite}
                                    + $per{$n}{deny},
       "$n: every answered request has its request record centrally, "
       . 'exactly once') or diag(scalar(@lost) . ' not once: '
                                 . join(' ', @lost[0 .. 4]));

    ($rc, $out) = run([ $FgsTest::CLI, 'verify-audit', $dedup ]);
    is($rc, 0, "$n: verify-audit accepts the central file, duplicates left "
               . 'out') or diag($out);
    my ($central_ok) = $out =~ /audit OK: (\d+) records/;

    if (!@twice) {
        ($rc, $out) = run([ $FgsTest::CLI, 'verify-audit', $d->{central} ]);
        is($rc, 0, "$n: the central file, with no duplicate, verifies as "
                   . 'it is') or diag($out);
    }

    is($central_ok // -1, $local_ok // -2,
       "$n: as many records verified centrally as on the node");

    my $requests = keys %answered;
    push @report, sprintf '%s: %d requests (%d allowed, %d rewritten, %d '
        . 'denied); %d records sent (lines of the node\'s files), %d '
        . 'stored centrally, %d duplicate(s) left out, %d verified '
        . 'centrally, %d verified on the node',
        $n, $requests, $per{$n}{allow} // 0, $per{$n}{rewrite} // 0,
        $per{$n}{deny} // 0, scalar @mine, scalar @central, $dups // -1,
        $central_ok // -1, $local_ok // -1;
}

# dedup-audit itself: a range of lines delivered again is left out
{
    my $d = $node{'gw-a'};
    my @l = lines_of("$central_dir/gw-a.dedup.log");
    my $twice = "$central_dir/twice.log";
    FgsTest::spew($twice, join '', @l[0 .. 99], @l[50 .. 99], @l[100 .. $#l],
                  @l[0 .. 9]);
    my ($rc, $out) = run([ $FgsTest::CLI, 'dedup-audit', '--out',
                           "$twice.dedup", $twice ]);
    like($out, qr/ 60 duplicate\(s\) left out/,
         'dedup-audit: 60 lines delivered again are counted');
    is(FgsTest::slurp("$twice.dedup"), join('', @l),
       '... and left out, the first delivery kept in place');
    ($rc, $out) = run([ $FgsTest::CLI, 'verify-audit', $twice ]);
    isnt($rc, 0, 'verify-audit refuses the file with them') or diag($out);
}

# the rsyslogds said nothing of lost, cut or discarded messages
for my $dir ($central_dir, map { $node{$_}{rsyslog} } @names) {
    my $said = join '', map { -f $_ ? FgsTest::slurp($_) : '' }
               "$dir/rsyslogd.log", "$dir/stdout.log";
    my @bad = grep { /discard|truncat|too long|lost|error during parsing/i }
              split /\n/, $said;
    ok(!@bad, "$dir: no message discarded, cut or lost")
        or diag(join "\n", @bad[0 .. ($#bad < 10 ? $#bad : 9)]);
}

diag($_) for @report;
diag(sprintf 'the burst took %.1f s, the pipeline drained %.1f s after it, '
             . 'the whole test %.1f s', $burst_time, $drain, time - $^T);

done_testing;
