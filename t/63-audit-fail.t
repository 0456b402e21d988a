# When the audit record cannot be written (docs/audit.md, "What
# fgs_policy_audit_fail guarantees"): with "fgs_policy_audit_fail closed"
# (the default) a request that would be forwarded is refused with 503
# FGSPOL.5030 and the upstream gets nothing; denials and errors are answered
# as ever; reads pass.  With "open" the request is forwarded and the failure
# is an alert in the error log, at most one a second.  The destination:
# /dev/full (every write fails with ENOSPC; the policy at server level, then
# in a location with a mirror), then a real file system that fills up (a 64
# KB tmpfs) and frees space again: requests are refused while it is full and
# forwarded again after, and every forwarded request has the intent that was
# written before it.

use strict;
use warnings;

use Test::More;
use Time::HiRes qw(sleep time);

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $server = <<'CONF';
    fgs_policy %%DATA%%/policy.json;
    fgs_policy_audit_log %%AUDIT%%;
    fgs_policy_audit_fail %%FAIL%%;
    location / {
        %%PROXY%%
    }
CONF

my $t = FgsTest->new(server => $server);
my $umount;
my $p = $t->prefix;

symlink('/dev/full', "$p/logs/full.log")
    or BAIL_OUT("symlink to /dev/full: $!");

$t->{vars} = { AUDIT => "$p/logs/full.log", FAIL => 'closed' };
$t->start;

my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(map { urn($_) } qw(dev-reports));

my $allowed = canonical_json({ func_name => 'dev-reports',
    runtime => 'Python3.12', handler => 'index.handler',
    memory_size => 512, timeout => 30, code_encrypt_kms_key_id => $KMS });
my $denied = canonical_json({ func_name => 'dev-reports',
    runtime => 'Python2.7', handler => 'index.handler',
    memory_size => 512, timeout => 30, code_encrypt_kms_key_id => $KMS });
my $trigger = '/v2/' . PROJECT . '/fgs/functions/' . urn('dev-reports')
              . '/future-api';
my $r;

sub alerts {
    my ($from) = @_;
    return () = $t->error_log($from)
        =~ /\[alert\].*fgs_policy: the audit record .* could not be written/g;
}


# --- closed, every write fails

my $mark = $t->log_mark;

$r = $t->json_put(config_path('dev-reports'), $allowed);
$t->is_fgs_error($r, 503, 'FGSPOL.5030', 'closed: an allowed change is refused',
                 msg => qr/audit record/);
$t->upstream_got_nothing('closed: the upstream got nothing');

$r = $t->json_put(config_path('dev-reports'),
                  canonical_json({ func_name => 'dev-reports',
                                   runtime => 'Python3.12',
                                   handler => 'index.handler',
                                   memory_size => 512, timeout => 30 }));
$t->is_fgs_error($r, 503, 'FGSPOL.5030', 'closed: a rewrite is refused');
$t->upstream_got_nothing('closed: nothing forwarded');

$r = $t->json_post($trigger, '{"trigger_type_code":"TIMER"}');
$t->is_fgs_error($r, 503, 'FGSPOL.5030', 'closed: an other write is refused');
$t->upstream_got_nothing('closed: nothing forwarded');

$r = $t->json_put(config_path('dev-reports'), $denied);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'closed: a denial is still a denial');

$r = $t->request(method => 'GET', target => config_path('dev-reports'));
$t->is_status($r, 200, 'closed: a read passes');

sleep(0.2);
my $n = alerts($mark);
ok($n >= 1 && $n <= 3, "the failures are alerts, at most one a second ($n)")
    or diag($t->error_log($mark));
like($t->error_log($mark), qr/\(ENOSPC|No space left on device/,
     'saying why');


# --- open: forwarded anyway, with an alert

ok($t->reload(vars => { AUDIT => "$p/logs/full.log", FAIL => 'open' }),
   'reload with fgs_policy_audit_fail open');
$mark = $t->log_mark;
my $t0 = time;

for my $i (1 .. 5) {
    $r = $t->json_put(config_path('dev-reports'), $allowed);
    $t->is_status($r, 200, "open: request $i is forwarded");
    $t->upstream_got('PUT', config_path('dev-reports'), $allowed,
                     "open: request $i byte for byte");
}

# the records wait in the file's buffer: the write that fails comes
# with flush= (1 s) after the first (docs/audit.md, "Buffering")
sleep(1.3);
$n = alerts($mark);
my $secs = int(time - $t0) + 1;
ok($n >= 1 && $n <= $secs + 1,
   "open: the failures are alerts, at most one a second ($n in "
   . "$secs s)") or diag($t->error_log($mark));
like($t->error_log($mark), qr/\((\d+) not written since the last report\)/,
     'each alert counts the records not written');


# --- closed, with the policy in a location and a mirror: the intent
# comes before the mirror and the proxy in PRECONTENT

ok($t->reload(vars => { AUDIT => "$p/logs/full.log", FAIL => 'closed' },
              server => <<'CONF'), 'reload: the policy in a location');
    location /v2/ {
        fgs_policy %%DATA%%/policy.json;
        fgs_policy_audit_log %%PREFIX%%/logs/full.log;
        mirror /__mirror;
        %%PROXY%%
    }
    location = /__mirror {
        internal;
        proxy_pass http://fgs_mock/mirror$request_uri;
    }
CONF

$r = $t->json_put(config_path('dev-reports'), $allowed);
$t->is_fgs_error($r, 503, 'FGSPOL.5030',
                 'location-level, closed: an allowed change is refused');
sleep(0.3);
$t->upstream_got_nothing('neither the upstream nor the mirror got it');

ok($t->reload(server => $server), 'reload: the policy at server level again');


# --- a real file system that fills up

SKIP: {
    my $dir = "$p/full";
    mkdir $dir;
    my $mounted = system("mount -t tmpfs -o size=64k tmpfs $dir "
                         . '>/dev/null 2>&1') == 0;
    skip 'cannot mount a tmpfs here (not root?)', 10 unless $mounted;
    $umount = $dir;

    my $audit = "$dir/audit.log";
    ok($t->reload(vars => { AUDIT => $audit, FAIL => 'closed' }),
       'reload: closed, the audit file on a 64 KB tmpfs');

    # fill it up but for two pages: room for about three requests
    my $filler = "$dir/filler";
    open my $fh, '>', $filler or die "$filler: $!";
    my $k = 0;
    $k++ while $k < 64 && (syswrite($fh, 'x' x 1024) // 0) == 1024;
    close $fh;
    truncate($filler, (-s $filler) - 8 * 1024);

    my (@ok, @refused);
    for my $i (1 .. 12) {
        $r = $t->json_put(config_path('dev-reports'), $allowed);
        if ($r->status == 200) {
            push @ok, $i;
        } elsif ($r->status == 503) {
            push @refused, $i;
            my $body = $r->json // {};
            ok(($body->{error_code} // '') eq 'FGSPOL.5030',
               "request $i refused with FGSPOL.5030") if @refused == 1;
            $t->upstream_got_nothing("request $i: nothing forwarded")
                if @refused == 1;
        }
    }
    ok(@ok >= 1, 'requests are forwarded while there is room ('
                 . scalar(@ok) . ')');
    ok(@refused >= 1, 'and refused once the file system is full ('
                      . scalar(@refused) . ')');

    unlink $filler;
    $r = $t->json_put(config_path('dev-reports'), $allowed);
    $t->is_status($r, 200, 'forwarded again once there is room');

    sleep(0.2);
    my @intents = $t->audit_records('intent', $audit);
    my @requests = $t->audit_records('request', $audit);
    ok(@intents >= @ok + 1, 'every forwarded request has its intent ('
                            . scalar(@intents) . ' for ' . (@ok + 1) . ')');
    ok(@requests >= 1, 'request records were written too');

    # a write that the full file system cut short leaves part of a line;
    # the chain goes on whole around it
    FgsTest::spew("$p/logs/tmpfs-audit.log", FgsTest::slurp($audit));
    my ($rc, $out) = $t->verify_audit('--live', "$p/logs/tmpfs-audit.log");
    my @other = grep { /: error: / && !/a record cut short/ }
                split /\n/, $out;
    ok(!@other, 'verify-audit: the chain is whole, at most records cut '
                . 'short by the full file system') or diag($out);
}

$t->finish(allow => [qr/fgs_policy: the audit record .* could not be written/]);

done_testing;

END {
    system("umount $umount") if $umount;
}
