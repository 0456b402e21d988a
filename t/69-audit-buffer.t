# Buffered audit records (docs/audit.md, "Buffering"): a request record
# waits in the file's buffer until flush= (1 s by default) has passed, or
# buffer= bytes wait, or an intent is written, and reaches the file then
# without another request; an intent never waits beyond the turn of the
# event loop that decided its request: a forwarded request's intent is in
# the file before the upstream gets the request (an upstream here looks
# into the file as each request arrives, also for requests that come
# together), and carries the records that waited before it.  What waits
# is written when the file is reopened, when nginx reloads and when it
# stops; a worker that is killed loses what waited in its buffer but no
# intent, and verify-audit says so.  The directive's parameters are
# checked by nginx -t.

use strict;
use warnings;

use Test::More;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $P = PROJECT;
my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
my $watch_urn = urn('dev-watch');

my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                   Listen => 64, ReuseAddr => 1,
                                   Proto => 'tcp')
    or BAIL_OUT("cannot listen: $!");
my $watch_port = $listen->sockport;

my $server = <<"CONF";
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.log%%BUFFER%%;
    add_header X-Fgs-Request-Id \$request_id always;
    location / {
        %%PROXY%%
    }
    location /v2/$P/fgs/functions/$watch_urn/ {
        proxy_pass http://127.0.0.1:$watch_port;
        proxy_set_header X-Request-Id \$request_id;
    }
CONF

my $t = FgsTest->new(server => $server, vars => { BUFFER => '' },
                     allow_log => [ qr/exited on signal 9/ ]);
my $p = $t->prefix;
my $audit = "$p/logs/audit.log";


# --- nginx -t: the parameters

my @bad = (
    [ 'buffer=lots', qr/invalid buffer size "lots"/ ],
    [ 'flush=0', qr/invalid flush time "0"/ ],
    [ 'buffer=65m', qr/buffer= of ".*" is larger than 64m/ ],
    [ 'flush=1s flush=2s', qr/invalid parameter "flush=2s"/ ],
    [ 'sideways', qr/invalid parameter "sideways"/ ],
);
for my $b (@bad) {
    my ($rc, $out) = $t->nginx_t(server => <<"CONF");
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log $b->[0];
    location / { %%PROXY%% }
CONF
    ok($rc != 0 && $out =~ $b->[1], "nginx -t refuses \"$b->[0]\"")
        or diag($out);
}

my ($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log;
    fgs_policy_audit_log syslog:server=127.0.0.1:9 buffer=4k;
    location / { %%PROXY%% }
CONF
ok($rc != 0 && $out =~ /buffer= and flush= are for audit files/,
   'nginx -t: syslog takes no buffer=') or diag($out);

($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log buffer=8k;
    location / {
        fgs_policy_audit_log %%PREFIX%%/logs/a.log buffer=16k;
        %%PROXY%%
    }
CONF
ok($rc != 0 && $out =~ /declared with different buffer= or flush=/,
   'nginx -t: one file, two buffers') or diag($out);

($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log off flush=1s;
    location / { %%PROXY%% }
CONF
ok($rc != 0 && $out =~ /off takes no parameter/,
   'nginx -t: off takes no parameter') or diag($out);

($rc, $out) = $t->nginx_t(server => <<'CONF');
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/a.log buffer=8k flush=250ms;
    fgs_policy_audit_log %%PREFIX%%/logs/b.log buffer=0 best_effort;
    location / {
        fgs_policy_audit_log %%PREFIX%%/logs/a.log flush=250ms buffer=8k;
        %%PROXY%%
    }
CONF
is($rc, 0, 'nginx -t: buffer=, flush= and best_effort in any order, the '
           . 'same file declared alike twice') or diag($out);


# --- an upstream that looks into the audit file as each request arrives:
# it notes whether the request's intent (by the X-Request-Id nginx sends)
# is there already

my $watch_log = "$p/data/watch";
my $watcher = fork // die "fork: $!";
if ($watcher == 0) {
    $SIG{TERM} = sub { POSIX::_exit(0) };
    while (my $c = $listen->accept) {
        my $head = '';
        while ($head !~ /\r\n\r\n/) {
            my $n = sysread($c, $head, 4096, length $head);
            last unless $n;
        }
        my ($id) = $head =~ /^X-Request-Id:\s*(\S+)/mi;
        my $seen = 'no';
        if (defined $id && open my $fh, '<', $audit) {
            local $/;
            my $all = <$fh>;
            $seen = 'yes' if $all =~ /"kind":"intent","request_id":"\Q$id\E"/;
        }
        my ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
        my $body = substr($head, index($head, "\r\n\r\n") + 4);
        while (defined $len && length($body) < $len) {
            my $n = sysread($c, $body, $len - length $body, length $body);
            last unless $n;
        }
        if (open my $w, '>>', $watch_log) {
            print $w ($id // '-') . " $seen\n";
            close $w;
        }
        print $c "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                 . "Content-Length: 2\r\nConnection: close\r\n\r\n{}";
        close $c;
    }
    POSIX::_exit(0);
}
close $listen;
END { kill 'TERM', $watcher if $watcher; }

$t->start;
$t->seed_functions(map { urn($_) } qw(dev-reports));

my $allowed = config_json('dev-reports', code_encrypt_kms_key_id => $KMS);
my $denied = config_json('dev-reports', runtime => 'Python2.7',
                         code_encrypt_kms_key_id => $KMS);
my $watched = config_json('dev-watch', code_encrypt_kms_key_id => $KMS);

sub id_of { return $_[0]->header('x-fgs-request-id') // '-'; }

# the records of a request id, of one kind, in a file now
sub records_of {
    my ($id, $kind, $file) = @_;
    return grep { ($_->{request_id} // '') eq $id }
           $t->audit_records($kind, $file // $audit);
}

# the line numbers of a request's records, by kind
sub line_of {
    my ($id, $kind, $file) = @_;
    for my $l ($t->audit_lines($file // $audit)) {
        my $j = $l->{json} or next;
        return $l->{line} if ($j->{request_id} // '') eq $id
                             && $j->{kind} eq $kind;
    }
    return 0;
}

# waits (bounded) for a record of a request; returns the time it took
sub wait_for {
    my ($id, $kind, $secs, $file) = @_;
    my $t0 = time;
    while (time - $t0 < $secs) {
        return time - $t0 if records_of($id, $kind, $file);
        sleep 0.02;
    }
    return undef;
}

# a denied request whose record waits; checks that it does
sub waiting_denial {
    my ($name) = @_;
    my $r = $t->json_put(config_path('dev-reports'), $denied);
    my $at = time;
    $t->is_fgs_error($r, 403, 'FGSPOL.4030', "$name: denied");
    my $id = id_of($r);
    SKIP: {
        skip 'the machine is too slow to look before flush=', 1
            if time - $at > 0.5;
        ok(!records_of($id, 'request'), "$name: its record waits");
    }
    return $id;
}


# --- the defaults: 64 KB, 1 s

my $id = waiting_denial('defaults');
my $took = wait_for($id, 'request', 5);
ok(defined $took, 'the record reaches the file without another request, '
                  . 'after ' . sprintf('%.2f s', $took // -1));
ok(defined $took && $took < 2.5, 'within flush= (1 s) and a little');

$id = waiting_denial('an intent carries it');
my $r = $t->json_put(config_path('dev-reports'), $allowed);
$t->is_status($r, 200, 'an allowed change is forwarded');
my $fwd = id_of($r);
my ($d_line, $i_line) = (line_of($id, 'request'), line_of($fwd, 'intent'));
ok($i_line, 'its intent is in the file');
ok($d_line && $d_line < $i_line,
   'with the denial\'s record, written before it, without waiting')
    or diag("denial at line $d_line, intent at line $i_line");

# the intent is in the file before the upstream gets the request, one by
# one and for requests that come together (one turn of the event loop,
# one write)
for my $i (1 .. 3) {
    $r = $t->json_put(config_path('dev-watch'), $watched);
    $t->is_status($r, 200, "watched request $i is forwarded");
}

my @conns = map { $t->connect } 1 .. 8;
my $bytes = FgsTest::build_request(method => 'PUT',
    target => config_path('dev-watch'), body => $watched,
    host => '127.0.0.1', headers => [ FgsTest::default_json_headers() ]);
$_->send($bytes) for @conns;
my @burst = map { $_->read_response(timeout => 10) } @conns;
$_->close for @conns;
is(scalar(grep { $_->status == 200 } @burst), 8,
   'eight watched requests sent together are forwarded');

my @seen = split /\n/, (-f $watch_log ? FgsTest::slurp($watch_log) : '');
is(scalar @seen, 11, 'the upstream got the eleven requests');
is_deeply([ grep { !/ yes$/ } @seen ], [],
          'and found each one\'s intent in the file as it arrived');
my %watched = map { (split / /)[0] => 1 } @seen;
is(scalar(grep { $watched{ id_of($_) } } @burst), 8,
   'by the request ids of the answers');

($rc, $out) = $t->verify_audit('--live', $audit);
is($rc, 0, 'verify-audit --live: intact') or diag($out);


# --- buffer=: the records go out once 4 KB wait (flush= is long: the
# timer is not what writes them)

ok($t->reload(vars => { BUFFER => ' buffer=4k flush=30s' }),
   'reload: buffer=4k flush=30s');
my @ids;
my $first_out = 0;
for my $i (1 .. 8) {
    $r = $t->json_put(config_path('dev-reports'), $denied);
    push @ids, id_of($r);
    sleep 0.1;
    if (records_of($ids[0], 'request')) {
        $first_out = $i;
        last;
    }
}
ok($first_out >= 2 && $first_out <= 6,
   "the records waited until about 4 KB did ($first_out records)");
is(scalar(grep { records_of($_, 'request') } @ids), scalar @ids,
   'and went out together');


# --- a reopen writes what waits, before the "rotate" of the old file

ok($t->reload(vars => { BUFFER => ' flush=30s' }), 'reload: flush=30s');
$id = waiting_denial('reopen');
ok(rename($audit, "$audit.1"), 'audit.log renamed to audit.log.1');
kill 'USR1', $t->master_pid;
my $deadline = time + 10;
sleep 0.05 until time > $deadline
                 || grep { $_->{kind} eq 'start' }
                    $t->audit_records('start', $audit);
my @rot = grep { $_->{json} && $_->{json}{kind} eq 'rotate' }
          $t->audit_lines("$audit.1");
my $rec_line = line_of($id, 'request', "$audit.1");
ok($rec_line, 'the waiting record is in the rotated file');
ok(@rot && $rec_line < $rot[-1]{line}, 'before its chain\'s "rotate"');

($rc, $out) = $t->verify_audit('--live', "$audit.1", $audit);
is($rc, 0, 'verify-audit --live audit.log.1 audit.log: intact')
    or diag($out);


# --- a reload: the old worker writes what waits as it exits

$id = waiting_denial('reload');
my @old = $t->worker_pids;
ok($t->reload, 'reload');
$deadline = time + 10;
my $ended;
while (time < $deadline) {
    $ended = grep { $_->{kind} eq 'end' && $_->{worker} == $old[0] }
             $t->audit_records('end', $audit);
    last if $ended;
    sleep 0.05;
}
ok($ended, 'the old worker ended its chain');
ok(records_of($id, 'request'), 'with the record that waited');


# --- a worker killed: the records that waited in its buffer are lost,
# intents are not; verify-audit says so

$r = $t->json_put(config_path('dev-reports'), $allowed);
$t->is_status($r, 200, 'killed: an allowed change is forwarded');
$fwd = id_of($r);
ok(records_of($fwd, 'intent'), 'killed: its intent is in the file');
$id = waiting_denial('killed');
my ($victim) = $t->worker_pids;
my $victim_chain = (records_of($fwd, 'intent'))[0]{chain} // '-';
kill 'KILL', $victim;
$deadline = time + 10;
sleep 0.05 until time > $deadline
                 || grep { $_ != $victim } $t->worker_pids;
ok(!records_of($id, 'request') && !records_of($fwd, 'request'),
   'killed: the request records that waited are lost');
FgsTest::spew("$p/logs/killed.copy", FgsTest::slurp($audit));
($rc, $out) = $t->verify_audit("$p/logs/killed.copy");
like($out, qr/chain \Q@{[ substr($victim_chain, 0, 8) ]}\E .* stops at seq \d+ without an end record/,
     'verify-audit: the killed worker\'s chain stops without its end')
    or diag($out);
like($out, qr/warning: the intent of request \Q$fwd\E has no request record: the worker stopped without ending its chain .* were lost with it/,
     'and the intent without its record is explained') or diag($out);


# --- a graceful stop: the worker writes what waits as it exits

$id = waiting_denial('graceful stop');
my ($last) = $t->worker_pids;
kill 'QUIT', $t->master_pid;
$deadline = time + 10;
$ended = 0;
while (time < $deadline) {
    $ended = grep { $_->{kind} eq 'end' && $_->{worker} == $last }
             $t->audit_records('end', $audit);
    last if $ended;
    sleep 0.05;
}
ok($ended, 'graceful stop: the worker ended its chain');
ok(records_of($id, 'request'), 'with the record that waited');

$t->finish;

($rc, $out) = $t->verify_audit("$audit.1");
is($rc, 0, 'verify-audit audit.log.1, nginx stopped: intact') or diag($out);
($rc, $out) = $t->verify_audit($audit);
my @errors = $out =~ /^.*: error: (.*)$/mg;
is(scalar @errors, 1, 'verify-audit audit.log: one error') or diag($out);
like($errors[0] // '', qr/^chain \Q@{[ substr($victim_chain, 0, 8) ]}\E/,
     'the killed worker\'s chain; every other one ended whole')
    or diag($out);

done_testing;
