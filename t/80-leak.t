# The worker's memory stays flat under load: 10,000 mixed requests from
# two client processes over keepalive connections (allowed, denied and
# rewritten configurations, bodies refused as FGSPOL.4000, 4001 and 4002,
# larger code bodies that spill to temp files and are mapped and
# rewritten, chunked bodies, reads, metrics scrapes; every governed one
# audited to a file), with the single worker's VmRSS and open file
# descriptors sampled after a warm-up and after every further thousand
# requests.  VmRSS may grow by less than 512 kB after the warm-up (it
# grows by a few kB at most; a leak of 200 bytes per governed body grows
# it by about 1.2 MB), and no descriptor may stay open: a leaked pool
# block, temp-file mapping or descriptor per request would show here.
#
# Under a sanitizer (FGS_NGINX_PRELOAD) or valgrind (FGS_NGINX_PREFIX_CMD)
# the requests run and their answers are checked, but the RSS bound is
# not: those allocators keep freed memory on purpose.  They check leaks
# their own way at exit.  FGS_LEAK_REQUESTS changes the count (valgrind).

use strict;
use warnings;

use Test::More;
use POSIX qw(_exit);
use Time::HiRes qw(sleep time);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $TOTAL = $ENV{FGS_LEAK_REQUESTS} // 10_000;
my $WARMUP = int($TOTAL / 10);
my $PHASES = 9;                 # after the warm-up, one sample each
my $CLIENTS = 2;
my $RSS_BOUND_KB = 512;         # growth allowed after the warm-up
my $measured = !$ENV{FGS_NGINX_PRELOAD} && !$ENV{FGS_NGINX_PREFIX_CMD};

my $t = FgsTest->new(
    server => <<'CONF',
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%PREFIX%%/logs/audit.jsonl;
    keepalive_requests 100000;
    location / {
        %%PROXY%%
    }
    location = /__metrics {
        fgs_policy_metrics;
    }
CONF
    # a bounded record of what the mock received: 10,000 requests
    mock_args => ['--max-records', '50', '--max-record-bytes', 4 << 20],
    log_level => 'error',
);
$t->start;

my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
my @names = map { "leak-fn-$_" } 1 .. 8;
$t->seed_functions(map { urn($_) } @names);

# the port opens in the master, before it starts the worker
my ($worker, @more);
for (1 .. 200) {
    ($worker, @more) = $t->worker_pids;
    last if $worker;
    sleep 0.05;
}
ok($worker && !@more, 'one worker') or die "no single worker: @more\n";


# ---------------------------------------------------------------------
# the mix: [name, method, target, body, headers, chunked, status, code]

sub config {
    my ($name, %o) = @_;
    return config_json($name, code_encrypt_kms_key_id => $KMS, %o);
}

# three code packages: 48 KB, 192 KB and 768 KB of zip, base64 in JSON;
# each is over client_body_buffer_size (a temp file, mapped) and lacks
# the KMS key (rewritten by kms-default)
my @code = map { code_body($_ << 10) } 48, 192, 768;

my @mix;
for my $i (0 .. 99) {
    my $n = $names[$i % @names];
    my $cp = config_path($n);
    my $kind = $i % 20;

    if ($kind <= 4) {
        push @mix, ['allowed', 'PUT', $cp, config($n, memory_size =>
                    128 * (1 + $i % 8)), undef, 0, 200];
    } elsif ($kind <= 6) {
        push @mix, ['rewritten', 'PUT', $cp,
                    config($n, code_encrypt_kms_key_id => undef), undef,
                    $kind == 6, 200];
    } elsif ($kind <= 8) {
        push @mix, ['denied', 'PUT', $cp, config($n, runtime => 'Python2.7',
                    memory_size => 4096), undef, 0, 403, 'FGSPOL.4030'];
    } elsif ($kind == 9) {
        push @mix, ['4000', 'PUT', $cp,
                    '{"memory_size":256,"memory_size":512}', undef, 0, 400,
                    'FGSPOL.4000'];
    } elsif ($kind == 10) {
        push @mix, ['4001', 'PUT', $cp, config($n, memory_size => '512'),
                    undef, 0, 400, 'FGSPOL.4001'];
    } elsif ($kind == 11) {
        push @mix, ['4002', 'PUT', function_path(urn($n)) . '/CONFIG',
                    config($n), undef, 0, 400, 'FGSPOL.4002'];
    } elsif ($kind == 12) {
        push @mix, ['4002', 'PUT', function_path(urn($n)) . '/%63ode',
                    $code[0], undef, 0, 400, 'FGSPOL.4002'];
    } elsif ($kind == 13 && $i % 40 == 13) {
        push @mix, ['code', 'PUT', code_path($n), $code[($i / 40) % 3],
                    undef, 0, 200];
    } elsif ($kind == 13) {
        push @mix, ['415', 'PUT', $cp, config($n),
                    ['Content-Type' => 'text/plain'], 0, 415,
                    'FGSPOL.4150'];
    } elsif ($kind <= 17) {
        push @mix, ['read', 'GET', $cp, undef, undef, 0, 200];
    } elsif ($kind == 18) {
        push @mix, ['create', 'POST', create_path(),
                    config("leak-new-$i", runtime => 'Java8',
                           package => 'default', code_type => 'inline',
                           func_code => { file => 'UEsFBgAAAAAAAAAAAAAAAA'
                                          . 'AAAAAAAA==' }),
                    undef, 0, 403, 'FGSPOL.4030'];
    } else {
        push @mix, ['metrics', 'GET', '/__metrics', undef, undef, 0, 200];
    }
}

sub request_bytes {
    my ($m) = @_;
    my ($what, $method, $target, $body, $h, $chunked) = @$m;
    my @h = defined $body
        ? ('Content-Type' => 'application/json',
           'X-Auth-Token' => 'MIIEhgYJKoZIhvcNAQcCoIIEdzCCBHMCAQExDTALBglg')
        : ();
    push @h, @$h if $h;
    return build_request(method => $method, target => $target, body => $body,
                         headers => \@h, close => 0,
                         host => '127.0.0.1:' . $t->port,
                         $chunked ? (chunked => 700) : ());
}

my @wire = map { request_bytes($_) } @mix;


# ---------------------------------------------------------------------
# the clients: each sends its share over one keepalive connection,
# reconnecting when nginx closes it, and reports what went wrong

sub client {
    my ($id, $from, $count, $out) = @_;

    my (%bad, $reconnects, $c);
    $reconnects = 0;
    for my $k (0 .. $count - 1) {
        my $i = ($from + $k * $CLIENTS + $id) % @mix;
        my $m = $mix[$i];
        $c //= $t->connect;
        $c->send($wire[$i]);
        my $r = $c->read_response(timeout => 30);
        my $ok = $r->complete && $r->status == $m->[6]
                 && (!$m->[7] || $r->body =~ /"error_code":\s*"\Q$m->[7]\E"/);
        unless ($ok) {
            $bad{"$m->[0]: got " . ($r->complete ? $r->status
                                    : 'no answer (' . $r->error . ')')}++;
        }
        if (!$r->complete || ($r->header('connection') // '') =~ /close/i) {
            $c->close;
            undef $c;
            $reconnects++;
        }
    }
    $c->close if $c;

    open my $fh, '>', $out or _exit(2);
    print {$fh} "reconnects $reconnects\n";
    print {$fh} "bad $bad{$_} $_\n" for sort keys %bad;
    close $fh;
}

my $seq = 0;
my $governed = 0;               # requests sent that get an audit record

# $n requests shared by the clients; returns (seconds, reconnects, bad)
sub run_phase {
    my ($n) = @_;

    my $t0 = time;
    my @kids;
    for my $id (0 .. $CLIENTS - 1) {
        my $out = $t->prefix . "/logs/client-$id.out";
        unlink $out;
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            client($id, $seq, int($n / $CLIENTS), $out);
            _exit(0);
        }
        push @kids, [$pid, $out];
        for my $k (0 .. int($n / $CLIENTS) - 1) {
            my $what = $mix[($seq + $k * $CLIENTS + $id) % @mix][0];
            $governed++ unless $what eq 'read' || $what eq 'metrics';
        }
    }
    $seq += $n;

    my ($reconnects, @bad) = (0);
    for my $k (@kids) {
        waitpid $k->[0], 0;
        push @bad, "client exited with $?" if $?;
        open my $fh, '<', $k->[1] or do { push @bad, 'no client report';
                                          next };
        while (my $l = <$fh>) {
            chomp $l;
            if ($l =~ /^reconnects (\d+)/) {
                $reconnects += $1;
            } elsif ($l =~ /^bad (.*)/) {
                push @bad, $1;
            }
        }
        close $fh;
    }
    return (time - $t0, $reconnects, \@bad);
}

sub sample {
    my ($pid) = @_;

    my %s;
    open my $fh, '<', "/proc/$pid/status" or return undef;
    while (<$fh>) {
        $s{$1} = $2 if /^(VmRSS|RssAnon|RssFile|VmSize):\s+(\d+) kB/;
    }
    close $fh;
    opendir my $d, "/proc/$pid/fd" or return undef;
    $s{fds} = grep { /^\d+$/ } readdir $d;
    closedir $d;
    return \%s;
}

sub show {
    my ($label, $s) = @_;
    return sprintf '%-12s VmRSS %6d kB (anon %6d, file %5d), VmSize %7d kB,'
                   . ' %d fds', $label, $s->{VmRSS}, $s->{RssAnon} // 0,
                   $s->{RssFile} // 0, $s->{VmSize}, $s->{fds};
}


# ---------------------------------------------------------------------
# the run

my $start = time;
my @samples;
my ($secs, $reconnects, $bad) = run_phase($WARMUP);
is_deeply($bad, [], "warm-up: $WARMUP requests answered as expected")
    or diag(join "\n", @$bad);
push @samples, [$WARMUP, sample($worker)];
diag(show("$WARMUP req", $samples[-1][1]));

my $sent = $WARMUP;
my $per = int(($TOTAL - $WARMUP) / $PHASES);
my $all_reconnects = $reconnects;
my @phase_bad;

for my $p (1 .. $PHASES) {
    my $n = $p == $PHASES ? $TOTAL - $sent : $per;
    ($secs, $reconnects, $bad) = run_phase($n);
    $sent += $n;
    $all_reconnects += $reconnects;
    push @phase_bad, map { "after $sent: $_" } @$bad;
    my $s = sample($worker);
    last unless $s;
    push @samples, [$sent, $s];
    diag(show("$sent req", $s) . sprintf(', %.1f s', $secs));
}

is_deeply(\@phase_bad, [], "$sent requests in all, each answered as "
          . 'expected') or diag(join "\n", @phase_bad[0 .. 19]);
is($sent, $TOTAL, "$TOTAL requests sent");
diag(sprintf '%d requests in %.1f s, %d reconnects (nginx closes the '
             . 'connection after a 400)', $sent, time - $start,
             $all_reconnects);

is(scalar(@samples), $PHASES + 1, 'the worker was sampled after each phase');
my ($w2, @more2) = $t->worker_pids;
is($w2, $worker, 'the same worker served every request (none crashed)');

my $base = $samples[0][1];
my $last = $samples[-1][1];

SKIP: {
    skip 'RSS is not bounded under a sanitizer or valgrind', 2
        unless $measured;

    my $max = 0;
    for my $s (@samples) {
        my $g = $s->[1]{VmRSS} - $base->{VmRSS};
        $max = $g if $g > $max;
    }
    cmp_ok($last->{VmRSS} - $base->{VmRSS}, '<', $RSS_BOUND_KB,
           "VmRSS after $TOTAL requests within $RSS_BOUND_KB kB of the "
           . 'warm-up\'s');
    cmp_ok($max, '<', $RSS_BOUND_KB, 'and never more than that in between');
}

cmp_ok($last->{fds} - $base->{fds}, '<=', 2,
       'no descriptors left open (temp files, upstream connections)');

$t->finish;

# counted once nginx is stopped: a record is written after its answer
my $audited = 0;
if (open my $fh, '<', $t->prefix . '/logs/audit.jsonl') {
    while (<$fh>) {
        $audited++ if /"kind":"request"/;
    }
    close $fh;
}
is($audited, $governed, "each of the $governed governed requests was "
   . 'audited');

done_testing;
