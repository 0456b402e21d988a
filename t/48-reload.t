# Reloads under load (docs/policy-language.md, "Loading and reloading"): two
# workers, four clients sending a mix of requests whose decisions differ
# between policy A and policy B (t/data/policy-reload-{a,b}.json: rule ids
# a-* and b-*, KMS keys ...aaaa and ...bbbb, other writes allowed and
# denied) while the policy file is swapped and nginx reloaded six times,
# once with a broken policy that nginx refuses.  Every single response must
# be the decision of exactly A or exactly B (never a 500, never ungoverned,
# never a rule of one with a rule or key of the other), every response made
# wholly between two reloads the decision of the policy then in force (the
# old one after the refused reload), and after the last reload only B's.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

use FgsTest::Conn;
use POSIX ();
use Time::HiRes qw(sleep time);

my $CLIENTS = 4;
my $PAUSE = 0.6;            # seconds between reloads
my $LIMIT = 30;             # no client runs longer than this

my $t = FgsTest->new(workers => 2, auto_reset => 0,
                     allow_log => [qr/policy-live\.json/],
                     server => <<'CONF');
    fgs_policy %%PREFIX%%/conf/policy-live.json;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Fgs-Rules $fgs_policy_rules always;
    location / {
        %%PROXY%%
    }
CONF

my $live = $t->prefix . '/conf/policy-live.json';
my %text = (A => read_data('policy-reload-a.json'),
            B => read_data('policy-reload-b.json'),
            broken => read_data('policy-reload-a.json'));
$text{broken} =~ s/"other_writes"/"other_writez"/ or die 'no other_writes';

# the policy file is replaced whole (rename), as an operator deploys it
sub install {
    my ($which) = @_;
    FgsTest::spew("$live.tmp", $text{$which});
    rename "$live.tmp", $live or die "rename: $!";
}

install('A');
$t->start;

my @config_fn = map { "reload-c$_" } 1 .. $CLIENTS;
my @delete_fn = map { "reload-d$_" } 1 .. $CLIENTS;
$t->seed_functions(map { urn($_) } @config_fn, @delete_fn);


# --- the requests and what A and B decide for each

my %expect = (
    # runtime allowed by A only, memory allowed by B only
    mem_runtime => { A => 'deny:a-memory:memory_size',
                     B => 'deny:b-runtime:runtime' },
    # runtime allowed by B only: B adds its key
    java        => { A => 'deny:a-runtime:runtime',
                     B => 'rewrite:b-kms:kms-key-bbbb' },
    # runtime allowed by A only: A adds its key
    python      => { A => 'rewrite:a-kms:kms-key-aaaa',
                     B => 'deny:b-runtime:runtime' },
    # other writes: allowed by A, denied by B
    delete      => { A => 'allow', B => 'deny:other' },
    # a read is never governed
    read        => { A => 'read', B => 'read' },
);
my @kinds = sort keys %expect;

sub make_request {
    my ($kind, $client) = @_;

    my $fn = $config_fn[$client];
    my %cfg = (func_name => $fn, handler => 'index.handler', timeout => 30);
    my ($method, $target, $body) = ('PUT', config_path($fn));
    if ($kind eq 'mem_runtime') {
        $body = canonical_json({ %cfg, runtime => 'Python3.12',
                                 memory_size => 2048 });
    } elsif ($kind eq 'java') {
        $body = canonical_json({ %cfg, runtime => 'Java17',
                                 memory_size => 512 });
    } elsif ($kind eq 'python') {
        $body = canonical_json({ %cfg, runtime => 'Python3.12',
                                 memory_size => 512 });
    } elsif ($kind eq 'delete') {
        # a DELETE of an API added later: an "other" write
        ($method, $target) = ('DELETE', function_path(urn($delete_fn[$client]))
                                        . '/future-api');
    } else {
        $method = 'GET';
    }
    return build_request(method => $method, target => $target, body => $body,
                         host => '127.0.0.1:' . $t->port,
                         headers => [ 'X-Auth-Token' => 'reload-token',
                                      defined $body
                                      ? ('Content-Type' => 'application/json')
                                      : () ]);
}

# what a response says, in the words of %expect; anything else is
# returned as "BAD ..." with the evidence
sub classify {
    my ($kind, $r) = @_;

    return 'BAD incomplete: ' . ($r->error // '') unless $r->complete;
    my $d = $r->header('x-fgs-decision') // '';
    my $rules = $r->header('x-fgs-rules') // '';
    my $st = $r->status;
    my $what = "BAD status $st decision '$d' rules '$rules': "
               . substr($r->body // '', 0, 300);

    if ($kind eq 'read') {
        return $st == 200 && $d eq '' ? 'read' : $what;
    }
    if ($d eq 'deny' && $st == 403) {
        my $e = eval { json_decode($r->body) } or return $what;
        return $what unless ($e->{error_code} // '') eq 'FGSPOL.4030';
        return 'deny:other' if $kind eq 'delete';
        my @v = map { "$_->{rule}:$_->{field}" } @{ $e->{violations} // [] };
        return @v == 1 && $rules eq (split /:/, $v[0])[0]
               ? "deny:$v[0]" : $what;
    }
    if ($d eq 'rewrite' && $st == 200) {
        my $m = eval { json_decode($r->body) } or return $what;
        return "rewrite:$rules:" . ($m->{code_encrypt_kms_key_id} // '');
    }
    if ($d eq 'allow' && $kind eq 'delete' && $rules eq ''
        && ($st == 204 || $st == 404))
    {
        return 'allow';
    }
    return $what;
}

sub verdict {
    my ($kind, $class) = @_;
    return 'A' if $class eq $expect{$kind}{A} && $kind ne 'read';
    return 'B' if $class eq $expect{$kind}{B} && $kind ne 'read';
    return 'AB' if $class eq 'read';
    return 'BAD';
}


# --- the clients: forked, each writes one line per response

my $stop = $t->prefix . '/data/stop';
my @pids;
for my $c (0 .. $CLIENTS - 1) {
    my $pid = fork // die "fork: $!";
    if ($pid == 0) {
        my $log = $t->prefix . "/data/client-$c.log";
        open my $out, '>', $log or POSIX::_exit(2);
        my $deadline = time + $LIMIT;
        my $n = 0;
        while (!-e $stop && time < $deadline) {
            my $kind = $kinds[($n + $c) % @kinds];
            my $from = time;
            my $r = eval {
                my $conn = FgsTest::Conn->new($t->port);
                $conn->send(make_request($kind, $c));
                my $resp = $conn->read_response(timeout => 10);
                $conn->close;
                $resp;
            };
            my $class = $r ? classify($kind, $r)
                           : 'BAD no answer: ' . ($@ // '');
            $class =~ s/[\r\n]+/ /g;
            printf {$out} "%.6f %.6f %s %s\n", $from, time, $kind, $class;
            $n++;
        }
        close $out;
        POSIX::_exit(0);        # not the harness's END: nginx stays up
    }
    push @pids, $pid;
}


# --- the reloads: B, A, broken (A stays), B, A, B

my @phases = ({ policy => 'A', from => 0 });
my @reloads;                # [ SIGHUP sent, new workers alone ]
sleep $PAUSE;
for my $next (qw(B A broken B A B)) {
    install($next);
    my $hup = time;
    $phases[-1]{to} = $hup;
    my $ok = $t->reload;
    my $done = time;
    push @reloads, [ $hup, $done ];
    if ($next eq 'broken') {
        ok(!$ok, 'the reload with a broken policy is refused');
        like($t->{reload_log}, qr/policy-live\.json.*other_writez
                                  |other_writez.*policy-live\.json/x,
             'nginx names the file and the key it refused');
        push @phases, { policy => $phases[-1]{policy}, from => $done,
                        refused => 1 };
    } else {
        ok($ok, "reload to policy $next under load")
            or diag($t->{reload_log});
        push @phases, { policy => $next, from => $done };
    }
    sleep $PAUSE;
}
$phases[-1]{to} = time;

open my $sfh, '>', $stop or die "$stop: $!";
close $sfh;
for my $pid (@pids) {
    my $deadline = time + $LIMIT + 15;
    while (waitpid($pid, POSIX::WNOHANG()) == 0 && time < $deadline) {
        sleep 0.05;
    }
    kill 'KILL', $pid if kill 0, $pid;
}


# --- every response, judged

my (@lines, %seen);
for my $c (0 .. $CLIENTS - 1) {
    my $log = $t->prefix . "/data/client-$c.log";
    push @lines, split /\n/, (-f $log ? FgsTest::slurp($log) : '');
}
my @bad = grep { my ($f, $to, $k, $cl) = split / /, $_, 4;
                 verdict($k, $cl) eq 'BAD' } @lines;
ok(@lines > 200, scalar(@lines) . " responses from $CLIENTS clients");
is(scalar @bad, 0, 'every response is a decision of exactly A or B')
    or diag(join "\n", @bad[0 .. ($#bad < 9 ? $#bad : 9)]);

for my $l (@lines) {
    my ($f, $to, $k, $cl) = split / /, $l, 4;
    $seen{ verdict($k, $cl) }{$k}++;
}
for my $k (grep { $_ ne 'read' } @kinds) {
    ok($seen{A}{$k} && $seen{B}{$k},
       "'$k' decided by A ($seen{A}{$k}) and by B ($seen{B}{$k}) in turn");
}
ok($seen{AB}{read}, "reads pass throughout ($seen{AB}{read})");

# the load really overlapped the reloads
{
    my $during = grep {
        my ($f, $to) = split / /, $_;
        grep { $to >= $_->[0] && $f <= $_->[1] } @reloads;
    } @lines;
    ok($during > 0, "$during responses were under way while nginx "
                    . 'reloaded');
}

# made wholly between two reloads: the policy then in force
for my $i (0 .. $#phases) {
    my $p = $phases[$i];
    my ($n, @wrong) = (0);
    for my $l (@lines) {
        my ($f, $to, $k, $cl) = split / /, $l, 4;
        next unless $f >= $p->{from} && $to <= $p->{to} && $k ne 'read';
        $n++;
        push @wrong, $l if verdict($k, $cl) ne $p->{policy};
    }
    ok($n > 0 && !@wrong, sprintf('between reloads %d (%s%s): %d responses, '
       . 'all of policy %s', $i, $p->{policy},
       $p->{refused} ? ', after the refused reload' : '', $n, $p->{policy}))
        or diag(join "\n", @wrong[0 .. ($#wrong < 9 ? $#wrong : 9)]);
}


# --- after the last reload: only B

my @after;
for my $round (1 .. 5) {
    for my $k (@kinds) {
        my $c = FgsTest::Conn->new($t->port);
        $c->send(make_request($k, 0));
        my $r = $c->read_response(timeout => 10);
        $c->close;
        my $cl = classify($k, $r);
        push @after, "$k $cl" unless verdict($k, $cl) =~ /^(?:B|AB)$/;
    }
}
is(scalar @after, 0, 'after the last reload every decision is B\'s')
    or diag(join "\n", @after);
my @workers = $t->worker_pids;
is(scalar @workers, 2, 'two workers serve');

$t->finish;
done_testing;
