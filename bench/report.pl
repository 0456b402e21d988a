#!/usr/bin/perl
# Turns what bench/run.sh measured (OUT/variants.tsv, OUT/corpus.tsv,
# OUT/runs.tsv) into RESULTS.md and a PNG chart of the ratios to plain
# proxying (with gnuplot, when it is installed).
#
#   report.pl OUT RESULTS.md CHART.png
#
# Every figure is the median over the runs; every ratio is computed run by
# run against plain proxying measured in the same run, then the median of
# those ratios is taken.

use strict;
use warnings;
use POSIX qw(strftime);
use File::Basename qw(dirname);
use File::Spec;

my ($out, $results, $chart) = @ARGV;
die "usage: $0 OUT RESULTS.md CHART.png\n" unless $chart;

my $bench = $0 =~ s{/[^/]*$}{}r;
my $clk_tck = `getconf CLK_TCK` + 0 || 100;

my @VARIANTS = qw(plain module audit njs lua modsec);
my %NAME = (
    plain  => 'plain proxy_pass',
    module => 'ngx_fgs_policy_module',
    audit  => 'ngx_fgs_policy_module, audit log on',
    njs    => 'njs',
    lua    => 'Lua + cjson',
    modsec => 'ModSecurity (JSON)',
);
my @WORKLOADS = qw(config-1k-allowed config-1k-denied code-10m-allowed
                   code-10m-rewritten);
my %EXPECT_STATUS = ('config-1k-denied' => 403);

my %settings = (
    runs     => $ENV{FGS_BENCH_RUNS} // '?',
    duration => $ENV{FGS_BENCH_DURATION} // '?',
    warmup   => $ENV{FGS_BENCH_WARMUP} // '?',
    gw_cpu   => $ENV{FGS_BENCH_GATEWAY_CPU} // '?',
    load_cpu => $ENV{FGS_BENCH_LOAD_CPU} // '?',
    pairs    => $ENV{FGS_BENCH_PAIRS} // '?',
    slice_1k => $ENV{FGS_BENCH_SLICE_1K} // '?',
    slice_10m => $ENV{FGS_BENCH_SLICE_10M} // '?',
);

sub lines {
    my ($path) = @_;
    open(my $f, '<', $path) or return ();
    return map { chomp; [split /\t/] } <$f>;
}

sub median {
    my @v = sort { $a <=> $b } grep { defined } @_;
    return undef unless @v;
    return $v[$#v / 2] if @v % 2;
    return ($v[@v / 2 - 1] + $v[@v / 2]) / 2;
}

sub cmd {
    my ($c) = @_;
    my $r = `$c 2>/dev/null` // '';
    chomp $r;
    return $r eq '' ? '-' : $r;
}

sub pkg {
    return cmd("dpkg-query -W -f '\${Version}' $_[0]");
}

# --- what ran ---------------------------------------------------------------

my (%avail, @ran);
for my $l (lines("$out/variants.tsv")) {
    $avail{$l->[0]} = $l->[1];
    push @ran, $l->[0] if $l->[1] eq 'yes';
}

my (%m, %runs_seen);     # $m{$w}{$v}{$run} = {...}
for my $l (lines("$out/runs.tsv")) {
    my ($run, $w, $v, $ok, $status, $conns, $ticks, $hwm, $kv) = @$l;
    $runs_seen{$run} = 1;
    if ($ok ne 'ok') {
        $m{$w}{$v}{$run} = {failed => 1};
        next;
    }
    my %f = map { split /=/, $_, 2 } split / /, $kv;
    next unless $f{requests};
    $m{$w}{$v}{$run} = {
        status   => $status,
        conns    => $conns,
        requests => $f{requests},
        rps      => $f{requests} / ($f{duration_us} / 1e6),
        p50      => $f{p50_us} / 1000,
        p99      => $f{p99_us} / 1000,
        cpu      => $ticks * (1e6 / $clk_tck) / $f{requests},
        rss      => $hwm / 1024,
        busy     => $ticks / $clk_tck / ($f{duration_us} / 1e6) * 100,
        hwm_kb   => $hwm,
        bad      => $f{status_errors},
        sockerr  => $f{socket_errors},
    };
}

# head to head: $h{$w}{$pair}{$v} = {rps, requests, ticks}
my %h;
for my $l (lines("$out/pairs.tsv")) {
    my ($w, $pair, $v, $ok, $ticks, $kv) = @$l;
    next unless $ok eq 'ok';
    my %f = map { split /=/, $_, 2 } split / /, $kv;
    next unless $f{requests} && $f{duration_us};
    $h{$w}{$pair}{$v} = {
        rps      => $f{requests} / ($f{duration_us} / 1e6),
        requests => $f{requests},
        ticks    => $ticks,
        # every answer as the workload expects (wrk counts 4xx and 5xx as
        # status errors), no socket error
        bad      => $f{socket_errors}
                    || $f{status_errors}
                       != ($EXPECT_STATUS{$w} ? $f{requests} : 0),
    };
}

# the value at fraction q of a list (0.5: the median), nearest rank
sub quantile {
    my ($q, @v) = @_;
    @v = sort { $a <=> $b } @v;
    return undef unless @v;
    return median(@v) if $q == 0.5;
    my $i = int($q * @v + 0.5) - 1;
    $i = 0 if $i < 0;
    $i = $#v if $i > $#v;
    return $v[$i];
}

# a workload's head to head: variant $v's (default: the module's) req/s
# over plain's, pair by pair; and CPU time per request over all the
# slices of each
sub head_to_head {
    my ($w, $v) = @_;
    $v //= 'module';
    my (@r, %sum);
    my $left = 0;
    for my $pair (keys %{$h{$w} // {}}) {
        my ($p, $x) = @{$h{$w}{$pair}}{'plain', $v};
        next unless $x || $v eq 'module';
        if (!$p || !$x || $p->{bad} || $x->{bad}) {
            $left++;
            next;
        }
        push @r, $x->{rps} / $p->{rps};
        for my $k ('plain', $v) {
            $sum{$k}{$_} += $h{$w}{$pair}{$k}{$_} for qw(requests ticks rps);
        }
    }
    return undef unless @r;
    my $cpu = $sum{plain}{ticks} && $sum{$v}{requests}
        ? ($sum{$v}{ticks} / $sum{$v}{requests})
          / ($sum{plain}{ticks} / $sum{plain}{requests}) : undef;
    return {
        pairs  => scalar @r,
        left   => $left,
        median => quantile(0.5, @r),
        q1     => quantile(0.25, @r),
        q3     => quantile(0.75, @r),
        plain  => $sum{plain}{rps} / @r,
        module => $sum{$v}{rps} / @r,
        cpu    => $cpu,
    };
}

my $body_bytes = sub {
    my ($w) = @_;
    return -s "$out/bodies/$w.json" // 0;
};

# median of a figure, and median of its per-run ratio to plain
sub figure {
    my ($w, $v, $k) = @_;
    my $r = $m{$w}{$v} or return (undef, undef);
    my (@vals, @ratios);
    for my $run (keys %$r) {
        my $x = $r->{$run};
        next if $x->{failed};
        push @vals, $x->{$k};
        my $p = $m{$w}{plain}{$run};
        push @ratios, $x->{$k} / $p->{$k}
            if $p && !$p->{failed} && $p->{$k};
    }
    return (median(@vals), median(@ratios));
}

# median over runs of A's figure divided by B's, same run
sub versus {
    my ($w, $a, $b, $k) = @_;
    my @r;
    for my $run (keys %{$m{$w}{$a} // {}}) {
        my ($x, $y) = ($m{$w}{$a}{$run}, $m{$w}{$b}{$run});
        next unless $x && $y && !$x->{failed} && !$y->{failed} && $y->{$k};
        push @r, $x->{$k} / $y->{$k};
    }
    return median(@r);
}

# extra peak RSS over plain, per in-flight request, as a multiple of the
# body size
sub extra_memory {
    my ($w, $v) = @_;
    my @r;
    for my $run (keys %{$m{$w}{$v} // {}}) {
        my ($x, $p) = ($m{$w}{$v}{$run}, $m{$w}{plain}{$run});
        next unless $x && $p && !$x->{failed} && !$p->{failed};
        my $bytes = $body_bytes->($w) or next;
        push @r, ($x->{hwm_kb} - $p->{hwm_kb}) * 1024 / $x->{conns} / $bytes;
    }
    return median(@r);
}

sub notes {
    my ($w, $v) = @_;
    my (@n, %seen);
    my $want = $v eq 'plain' ? 200 : $EXPECT_STATUS{$w} // 200;

    # ModSecurity cannot rewrite: it denies what needs the KMS key
    if ($v eq 'modsec' && $w =~ /rewritten/) {
        push @n, 'cannot rewrite: denies (403) instead';
        $want = 403;
    }

    for my $run (sort keys %{$m{$w}{$v} // {}}) {
        my $x = $m{$w}{$v}{$run};
        if ($x->{failed}) {
            push @n, "run $run failed";
            next;
        }
        if ($x->{status} != $want) {
            push @n, "answers $x->{status}, not $want";
        }
        my $unexpected = $want < 300 ? $x->{bad}
                                     : $x->{requests} - $x->{bad};
        push @n, "$unexpected unexpected statuses" if $unexpected;
        push @n, "$x->{sockerr} socket errors/timeouts" if $x->{sockerr};
    }
    return join('; ', grep { !$seen{$_}++ } @n);
}

sub fmt {
    my ($x, $digits) = @_;
    return '-' unless defined $x;
    return sprintf("%.${digits}f", $x);
}

sub ratio {
    my ($x) = @_;
    return '-' unless defined $x;
    return sprintf($x >= 10 ? '%.0fx' : $x >= 0.1 ? '%.2fx' : '%.3fx', $x);
}

# --- the document -----------------------------------------------------------

my $smoke = ($settings{runs} ne '?' && $settings{runs} < 5)
    || ($settings{duration} =~ /^(\d+)s$/ && $1 < 5)
    || (%h && $settings{pairs} ne '?' && $settings{pairs} < 20);
my $now = strftime('%Y-%m-%d %H:%M UTC', gmtime);
my $cpu_model = cmd(q{grep -m1 'model name' /proc/cpuinfo | sed 's/^.*: //'});
my $nginx_v = cmd(q{/usr/sbin/nginx -v 2>&1 | sed 's/^.*nginx\///'});
my $load = cmd('cut -d" " -f1-3 /proc/loadavg');
my $module_path = $ENV{FGS_BENCH_MODULE} // '?';
my $policy_path = $ENV{FGS_BENCH_POLICY} // '?';
my $module_built = -f $module_path
    ? strftime('%Y-%m-%d %H:%M UTC', gmtime((stat _)[9])) : '';
my $policy_sha = -f $policy_path
    ? substr(cmd("sha256sum '$policy_path'"), 0, 16) : '';
my $commit = cmd("git -C '$bench' describe --always --dirty");

my $md = "# Benchmark results\n\n";
$md .= "Generated by `make bench` (bench/run.sh) on $now.\n\n";
if ($smoke) {
    $md .= "> **Smoke run** ($settings{runs} run(s) of $settings{duration}): "
         . "these figures only show that every piece works. Take the real "
         . "ones with `make bench` (5 runs of 5 s, 20 pairs) on a quiet machine.\n\n";
}

$md .= "## Machine\n\n"
    . "| nproc | CPU | kernel | nginx | njs | lua-nginx-module | ModSecurity | wrk | load average at the end |\n"
    . "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
    . '| ' . join(' | ', cmd('nproc'), $cpu_model, cmd('uname -r'), $nginx_v,
                  pkg('libnginx-mod-http-js'), pkg('libnginx-mod-http-lua'),
                  pkg('libmodsecurity3'), pkg('wrk'), $load) . " |\n\n";

$md .= "## Method\n\n"
    . "Each variant is Debian's nginx with one worker process in front of the same upstream, an nginx on "
    . "loopback that answers every request with the API reference's 200 body over keepalive connections. "
    . "The gateway (master and worker) runs on CPU $settings{gw_cpu}; wrk (one thread) and the upstream "
    . "share CPU $settings{load_cpu}, so the gateway worker has a core of its own. For every run, workload "
    . "and variant a fresh gateway is started, warmed up for $settings{warmup}, then measured for "
    . "$settings{duration}: requests/s and latency percentiles from wrk, the worker's CPU time per request "
    . "from /proc/PID/stat (utime + stime), its peak RSS from VmHWM. Figures are medians over "
    . "$settings{runs} run(s); each ratio is taken against plain proxying in the same run (for latency, "
    . "CPU and memory lower is better, for requests/s higher). Plain proxying and the module get bodies "
    . "over 16 KB in temp files, as in production; njs and Lua need the body in memory "
    . "(client_body_buffer_size = client_max_body_size = 64m); ModSecurity's connector reads temp files.\n\n"
    . "Read requests/s together with \"worker busy\" (the gateway worker's CPU time over the run's time): "
    . "below 100% the gateway was not the bottleneck, wrk and the upstream on the other CPU were, and "
    . "requests/s ratios near 1 say only that; the worker's CPU time per request is then the measure of "
    . "the gateway's own cost.\n\n"
    . "Module: `$module_path`" . ($module_built ? " (built $module_built)" : '')
    . ", repository at $commit; policy: `$policy_path`"
    . ($policy_sha ? " (sha256 $policy_sha)" : '') . ".\n\n"
    . "| workload | request | wrk connections |\n| --- | --- | --- |\n";
for my $w (@WORKLOADS) {
    my $bytes = $body_bytes->($w);
    my $conns = (map { $_->{conns} } grep { !$_->{failed} }
                 map { values %$_ } values %{$m{$w} // {}})[0] // '-';
    my $what = $w eq 'config-1k-allowed' ? 'allowed as is'
             : $w eq 'config-1k-denied' ? 'denied (runtime, memory, VPC): 403'
             : $w eq 'code-10m-allowed' ? 'zip with the KMS key, allowed as is'
             : 'zip without the KMS key: the policy adds it';
    my $op = $w =~ /^config/ ? 'config' : 'code';
    $md .= "| $w | PUT .../$op, $bytes bytes, $what | $conns |\n";
}
$md .= "\n";

$md .= "## Results\n\n";
for my $w (@WORKLOADS) {
    next unless $m{$w};
    $md .= "### $w\n\n"
        . "| variant | req/s | vs plain | p50 ms | vs plain | p99 ms | vs plain "
        . "| worker CPU us/req | vs plain | worker busy | peak worker RSS MB "
        . "| vs plain | extra RSS per in-flight request / body | notes |\n"
        . "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        . "| ---: | ---: | ---: | ---: | --- |\n";
    for my $v (grep { $m{$w}{$_} } @VARIANTS) {
        my @row = ($NAME{$v});
        for my $k ([rps => 0], [p50 => 2], [p99 => 2], [cpu => 1],
                   [busy => 0], [rss => 1]) {
            my ($val, $rat) = figure($w, $v, $k->[0]);
            if ($k->[0] eq 'busy') {
                push @row, fmt($val, 0) . '%';
                next;
            }
            push @row, fmt($val, $k->[1]), ratio($rat);
        }
        push @row, $v eq 'plain' || $w !~ /^code/
            ? '-' : ratio(extra_memory($w, $v));
        push @row, notes($w, $v) || '';
        $md .= '| ' . join(' | ', @row) . " |\n";
    }
    $md .= "\n";
}

# the targets (docs/performance.md, "Targets")
my @targets = (
    ['1 KB /config req/s, module vs plain', 'config-1k-allowed', 'plain', 0.95],
    ['1 KB /config denied req/s, module vs plain', 'config-1k-denied', 'plain', 0.95],
    ['10 MB /code req/s, module vs plain', 'code-10m-allowed', 'plain', 0.90],
    ['10 MB /code rewritten req/s, module vs plain', 'code-10m-rewritten', 'plain', 0.90],
    ['1 KB /config req/s, audit log on vs plain', 'config-1k-allowed', 'plain', 0.85, 'audit'],
    ['10 MB /code req/s, audit log on vs plain', 'code-10m-allowed', 'plain', 0.75, 'audit'],
    ['1 KB /config req/s, module vs njs', 'config-1k-allowed', 'njs', 1.5],
    ['1 KB /config req/s, module vs Lua', 'config-1k-allowed', 'lua', 1.3],
    ['10 MB /code req/s, module vs njs', 'code-10m-allowed', 'njs', 10],
    ['10 MB /code req/s, module vs Lua', 'code-10m-allowed', 'lua', 10],
    ['10 MB /code rewritten req/s, module vs njs', 'code-10m-rewritten', 'njs', 10],
    ['10 MB /code rewritten req/s, module vs Lua', 'code-10m-rewritten', 'lua', 10],
);
# for a target against a peer, the best a gateway that costs no more
# than plain proxying could reach: the peer's own ratio to plain
my $targets = "| target | at least | measured | | ceiling: plain proxying vs the peer |\n"
    . "| --- | ---: | ---: | --- | ---: |\n";
for my $t (@targets) {
    my ($what, $w, $other, $min, $v) = @$t;
    $v //= 'module';
    my $hh = $other eq 'plain' ? head_to_head($w, $v) : undef;
    my $r = $hh ? $hh->{median} : versus($w, $v, $other, 'rps');
    my $verdict = !defined $r ? 'not measured'
                : $r >= $min ? 'met' : '**missed**';
    my $ceiling = $other eq 'plain' ? '-'
                : ratio(versus($w, 'plain', $other, 'rps'));
    $targets .= "| $what | ${min}x | " . ratio($r) . " | $verdict | $ceiling |\n";
}
for my $w (grep { /^code/ } @WORKLOADS) {
    my $r = extra_memory($w, 'module');
    my $verdict = !defined $r ? 'not measured'
                : $r <= 1.1 ? 'met' : '**missed**';
    $targets .= "| $w: added memory per in-flight request, module | at most 1.1x the body | "
         . ratio($r) . " | $verdict | - |\n";
}
$md .= "## Targets (docs/performance.md)\n\n"
    . (%h ? "Against plain proxying: the median of the head-to-head pairs "
            . "(below); against the peers: the median of the runs' ratios "
            . "(above).\n\n" : '')
    . "$targets\n";

# the head-to-head pairs
if (%h) {
    $md .= "## Head to head: the module against plain proxying\n\n"
        . "A plain and a module gateway (and, when the audit variant is "
        . "measured, one with the audit log on) are started once and warmed "
        . "up; then $settings{pairs} pairs of wrk slices ($settings{slice_1k} "
        . "on 1 KB, $settings{slice_10m} on 10 MB) go to one and then the "
        . "other, the order turned round every pair. Whatever else the "
        . "machine does in a few seconds falls on every variant of a pair, "
        . "which the runs above, each gateway measured for "
        . "$settings{duration} after a fresh start, cannot promise: on a "
        . "shared virtual machine their ratios vary by more than the 5% "
        . "that the /config target leaves. Each pair gives the variant's "
        . "requests/s over plain's; the table gives their median and the "
        . "middle half of them (the 25th to the 75th percentile), and the "
        . "worker's CPU time per request over all the slices.\n\n"
        . "| workload | variant | pairs | req/s, plain | req/s, variant "
        . "| variant vs plain (median) | middle half of the pairs "
        . "| worker CPU per request, variant vs plain |\n"
        . "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for my $w (grep { $h{$_} } @WORKLOADS) {
        for my $v (qw(module audit)) {
            my $x = head_to_head($w, $v) or next;
            $md .= "| $w | $NAME{$v} | $x->{pairs}"
                . ($x->{left} ? " ($x->{left} left out: a slice failed, or "
                                . "answered other than expected)" : '')
                . ' | ' . fmt($x->{plain}, 0) . ' | '
                . fmt($x->{module}, 0) . ' | ' . ratio($x->{median}) . ' | '
                . ratio($x->{q1}) . ' - ' . ratio($x->{q3}) . ' | '
                . ratio($x->{cpu}) . " |\n";
        }
    }
    $md .= "\n";
}

# instructions per request (bench/profile.sh), when it ran
my @ir = lines("$out/profile/ir.tsv");
my $profile = '';
if (@ir) {
    my %ir = map { ("$_->[0]/$_->[1]" => $_->[2]) } @ir;
    $profile .= "User-space instructions per request of the gateway worker, counted by callgrind "
        . "(`bench/profile.sh`: one process, 1,000 requests over one keepalive connection less 100, so "
        . "start-up and exit cancel out). Counts do not vary with load; the kernel's share of a request "
        . "(about two thirds of plain proxying's CPU time here) is not in them.\n\n"
        . "| workload | variant | instructions per request | vs plain | added by the module |\n"
        . "| --- | --- | ---: | ---: | ---: |\n";
    for my $l (@ir) {
        my ($w, $v, $n) = @$l;
        my $p = $ir{"$w/plain"};
        $profile .= "| $w | $NAME{$v} | $n | "
            . ($p ? ratio($n / $p) : '-') . ' | '
            . ($p && $v ne 'plain' ? $n - $p : '-') . " |\n";
    }
    my @f = lines("$out/profile/functions-module-config-1k-allowed.tsv");
    if (@f) {
        $profile .= "\nThe module's functions on config-1k-allowed, inclusive (a function's count holds "
            . "those of the functions it calls):\n\n"
            . "| instructions per request | function |\n| ---: | --- |\n";
        $profile .= "| $_->[0] | `$_->[1]` |\n" for @f[0 .. ($#f < 14 ? $#f : 14)];
    }
    $md .= "## Where the time goes\n\n$profile\n";
}

# what the audit log costs: the module with and without it, run by run
if (grep { $m{$_}{audit} } @WORKLOADS) {
    $md .= "## The audit log's cost\n\n"
        . "The module with `fgs_policy_audit_log` (a local file, "
        . "`fgs_policy_audit_fail closed`: an intent before each forwarded "
        . "request, a record after each request) against the module "
        . "without it, in the same runs.\n\n"
        . "| workload | req/s, audit on vs off | worker CPU per request, "
        . "audit on vs off |\n| --- | ---: | ---: |\n";
    for my $w (grep { $m{$_}{audit} && $m{$_}{module} } @WORKLOADS) {
        $md .= "| $w | " . ratio(versus($w, 'audit', 'module', 'rps'))
             . ' | ' . ratio(versus($w, 'audit', 'module', 'cpu')) . " |\n";
    }
    $md .= "\n";
}

# the correctness corpus
my (%corpus, @cases, %expect);
for my $l (lines("$out/corpus.tsv")) {
    my ($v, $case, $exp, $obs, $status, $dec, $ok, $note) = @$l;
    push @cases, $case unless exists $expect{$case};
    $expect{$case} = $exp;
    $corpus{$case}{$v} = $ok eq 'ok' ? 'ok'
        : "**$obs** $status" . ($note ne '-' ? " ($note)" : '');
}
if (@cases) {
    my @cv = grep { my $v = $_; grep { $corpus{$_}{$v} } @cases } @VARIANTS;
    $md .= "## Correctness corpus (bench/corpus/)\n\n"
        . "Every variant first answers the same requests in front of an upstream that keeps what it received: "
        . "`ok` means the expected decision (allow and audit: forwarded unchanged; rewrite: forwarded with "
        . "only the KMS key added; deny: rejected, nothing forwarded; where a variant sends "
        . "X-Fgs-Policy-Decision, it must name the expected decision). Plain proxying is the baseline that "
        . "enforces nothing.\n\n"
        . '| case | expected | ' . join(' | ', map { $NAME{$_} } @cv) . " |\n"
        . '| --- | --- |' . (' --- |' x @cv) . "\n";
    for my $case (@cases) {
        $md .= "| $case | $expect{$case} | "
            . join(' | ', map { $corpus{$case}{$_} // '-' } @cv) . " |\n";
    }
    $md .= '| **as expected** | | ' . join(' | ', map {
        my $v = $_;
        my $n = grep { defined $corpus{$_}{$v} } @cases;
        my $ok = grep { ($corpus{$_}{$v} // '') eq 'ok' } @cases;
        "$ok/$n" } @cv) . " |\n\n";
}

my @missing = grep { exists $avail{$_} && $avail{$_} ne 'yes' } @VARIANTS;
if (@missing) {
    $md .= "## Variants not measured\n\n";
    $md .= "- $NAME{$_}: $avail{$_}\n" for @missing;
    $md .= "\n";
}

if (open(my $lim, '<', "$bench/peers/LIMITS.md")) {
    local $/;
    my $text = <$lim>;
    $text =~ s/^# (.*)\n/## $1\n/;
    $md .= $text . "\n";
}

# --- the chart ----------------------------------------------------------------

my @cv = grep { $_ ne 'plain' }
         grep { my $v = $_; grep { $m{$_}{$v} } @WORKLOADS } @VARIANTS;
my $have_gnuplot = system('command -v gnuplot >/dev/null 2>&1') == 0;

if (@cv && $have_gnuplot) {
    my $dat = "$out/ratios.dat";
    my %range;
    open(my $d, '>', $dat) or die "$dat: $!\n";
    for my $k (qw(rps cpu)) {
        my ($lo, $hi) = (1, 1);
        print $d join("\t", 'workload', map { "\"$NAME{$_}\"" } @cv), "\n";
        for my $w (@WORKLOADS) {
            print $d join("\t", $w, map {
                my (undef, $r) = figure($w, $_, $k);
                if (defined $r && $r > 0) {
                    $lo = $r if $r < $lo;
                    $hi = $r if $r > $hi;
                }
                defined $r ? sprintf('%.4g', $r) : '?' } @cv), "\n";
        }
        print $d "\n\n";
        $range{$k} = sprintf('[%g:%g]', $lo / 2, $hi * 2);
    }
    close $d;

    my $cols = join(', ', map {
        my $i = $_ + 2;
        $_ == 0 ? "'$dat' index IDX using $i:xtic(1) title columnheader($i)"
                : "'' index IDX using $i title columnheader($i)" } 0 .. $#cv);
    my $title = $smoke ? ' (smoke run: not for comparison)' : '';
    open(my $g, '|-', 'gnuplot') or die "gnuplot: $!\n";
    print $g <<"GP";
set terminal pngcairo size 1100,900 font ",10" noenhanced
set output '$chart'
set datafile separator "\\t"
set datafile missing '?'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set grid ytics
set key outside right top
set multiplot layout 2,1 title "Ratios to plain proxy_pass in the same run, medians$title"
set ylabel "requests/s vs plain (higher is better)"
set yrange $range{rps}
plot @{[ $cols =~ s/IDX/0/gr ]}, 1 with lines lc rgb "black" dt 2 notitle
set ylabel "worker CPU per request vs plain (lower is better)"
set yrange $range{cpu}
plot @{[ $cols =~ s/IDX/1/gr ]}, 1 with lines lc rgb "black" dt 2 notitle
unset multiplot
GP
    close $g;
    my $rel = $chart =~ s{^.*/}{}r;
    $md .= "## Chart\n\n![ratios to plain proxying]($rel)\n" if -s $chart;
} elsif (@cv) {
    $md .= "## Chart\n\nNot drawn: gnuplot is not installed (scripts/deps.sh --bench installs gnuplot-nox).\n";
}

# the memory section is bench/memory.pl's: kept as it was
if (open(my $old, '<', $results)) {
    local $/;
    my $text = <$old>;
    close $old;
    $md .= "\n$1" if $text =~ /(<!-- memory:start.*?<!-- memory:end -->\n)/s;
}

open(my $o, '>', $results) or die "$results: $!\n";
print $o $md;
close $o;

# docs/performance.md shows the targets, between its two markers, with a
# link to RESULTS.md relative to where that page is
my $doc = $ENV{FGS_BENCH_DOC};
if ($doc && open(my $r, '<', $doc)) {
    local $/;
    my $text = <$r>;
    close $r;
    my $block = "<!-- bench:start (bench/report.pl writes this part) -->\n"
        . "From `make bench` on $now" . ($smoke ? ' (a smoke run)' : '')
        . ", $settings{runs} run(s) of $settings{duration}"
        . (%h ? " and $settings{pairs} head-to-head pairs against plain "
                . "proxying" : '')
        . "; ratios are medians (against plain: of the pairs; against a "
        . "peer: of the runs); every figure in "
        . "[bench/RESULTS.md]("
        . File::Spec->abs2rel(File::Spec->rel2abs($results),
                              dirname(File::Spec->rel2abs($doc)))
        . ").\n\n"
        . $targets . "<!-- bench:end -->";
    if ($text =~ s/<!-- bench:start.*?<!-- bench:end -->/$block/s) {
        open(my $w, '>', $doc) or die "$doc: $!\n";
        print $w $text;
        close $w;
    }
}
