# The Debian package (make deb, pkg/build-deb.sh) as a Debian shop uses
# it: installed with apt-get, its module loaded by Debian's own nginx
# through the package's snippet in /etc/nginx/modules-enabled/ (not from
# build/), governing requests to the mock FunctionGraph (a denied change
# and an allowed one), auditing them to a file that the installed
# fgs-policy verifies; its logrotate rule run for real (the audit file
# verified before each rotation, kept uncompressed until verified, never
# deleted, a tampered file left in place); then removed (the link set
# aside as Debian's libnginx-mod-* packages do) and purged: none of its
# files and no link left.
#
# It changes the system (dpkg), so it runs as root only, from
# "make test-deb", after the nginx suite, whose files load
# build/ngx_http_fgs_policy_module.so by its path and never read
# /etc/nginx/modules-enabled/.

use strict;
use warnings;

use Test::More;
use Cwd qw(abs_path);
use Time::HiRes qw(sleep time);

use FindBin;
use lib "$FindBin::Bin/../lib";
use FgsTest;

plan skip_all => 'installs a package: root only' if $> != 0;

my $PKG = 'libnginx-mod-http-fgs-policy';
my $ROOT = $FgsTest::ROOT;
my ($version) = FgsTest::slurp("$ROOT/ngx_fgs_policy_module/engine/core/"
                               . "fgs_version.h")
                =~ /^#define\s+FGS_VERSION\s+"([^"]+)"/m;
chomp(my $arch = `dpkg --print-architecture`);
my $deb = "$ROOT/build/${PKG}_${version}-1_$arch.deb";
ok(-f $deb, "$deb is built") or BAIL_OUT('run make deb first');

my $LINK = '/etc/nginx/modules-enabled/50-mod-http-fgs-policy.conf';
my $SNIPPET = '/usr/share/nginx/modules-available/mod-http-fgs-policy.conf';
my $SO = '/usr/lib/nginx/modules/ngx_http_fgs_policy_module.so';
my $CLI = '/usr/bin/fgs-policy';
my $ROTATE = "/etc/logrotate.d/$PKG";

sub status {
    my $s = `dpkg-query -W -f '\${db:Status-Abbrev}' $PKG 2>/dev/null`;
    $s =~ s/\s+$//;
    return $s;
}

# a package that is here already is someone's: not this test's to purge
like(status(), qr/^(|un|pn)$/, "$PKG is not installed before the test")
    or BAIL_OUT("$PKG is installed: purge it before running this test");

my $t = FgsTest->new(module => 0, workers => 2,
                     main => "include /etc/nginx/modules-enabled/*.conf;",
                     server => <<'CONF');
    fgs_policy %%POLICY%%;
    fgs_policy_audit_log %%PREFIX%%/logs/audit/audit.log;
    location / {
        %%PROXY%%
    }
    location = /__metrics {
        fgs_policy_metrics;
    }
CONF
my $p = $t->prefix;
mkdir "$p/logs/audit";

# the snippet names modules/ relative to nginx's prefix, which Debian's
# /usr/share/nginx/modules links to /usr/lib/nginx/modules: so here
symlink('/usr/lib/nginx/modules', "$p/modules") or die "symlink: $!";

# apt-get, bounded, with no questions; (exit status, what it said)
my $napt = 0;
sub apt {
    my (@args) = @_;
    my $out = "$p/logs/apt-" . ++$napt . '.out';
    local $ENV{DEBIAN_FRONTEND} = 'noninteractive';
    my $rc = FgsTest::run_cmd(['apt-get', '-y', '-q',
                               '-o', 'DPkg::Lock::Timeout=300', @args],
                              $out, 600);
    return ($rc, FgsTest::slurp($out));
}

my $installed = 0;
END {
    # a test that died half-way leaves nothing installed
    if ($installed && status() =~ /^.i/) {
        apt('purge', $PKG);
    }
}


# --- install

my ($rc, $said) = apt('install', $deb);
is($rc, 0, 'apt-get install ./' . ($deb =~ s{.*/}{}r)) or diag($said);
$installed = 1;
like(status(), qr/^ii/, 'installed');

my @files = grep { length } split /\n/, `dpkg -L $PKG`;
my %has = map { $_ => 1 } @files;
for my $f ($SO, $SNIPPET, $CLI, '/usr/share/man/man1/fgs-policy.1.gz',
           $ROTATE, "/usr/share/doc/$PKG/copyright",
           "/usr/share/doc/$PKG/changelog.Debian.gz",
           "/usr/share/doc/$PKG/examples/nginx.conf",
           "/usr/share/doc/$PKG/examples/policy.json",
           "/usr/share/doc/$PKG/examples/fgs-policy.json",
           "/usr/share/doc/$PKG/examples/fgs-policy-rules.yml")
{
    ok($has{$f} && -f $f, "ships $f");
}
is(FgsTest::slurp($SNIPPET),
   "load_module modules/ngx_http_fgs_policy_module.so;\n",
   'the snippet loads the module from nginx\'s modules directory');
ok(-l $LINK, "postinst enabled it: $LINK");
is(readlink($LINK), $SNIPPET, 'a link to the snippet');
ok(-d '/var/log/fgs-policy', 'the audit directory /var/log/fgs-policy');

my $depends = `dpkg-query -W -f '\${Depends}' $PKG`;
my ($abi) = `dpkg-query -W -f '\${Provides}' nginx` =~ /(nginx-abi-[^\s,]+)/;
like($depends, qr/(?:^|, )\Q$abi\E(?:,|$)/,
     "Depends on the nginx ABI nginx provides: $abi");
like($depends, qr/libjansson4/, 'and on the libraries') or diag($depends);

my $out = "$p/logs/version.out";
is(FgsTest::run_cmd([$CLI, '--version'], $out, 30), 0, 'fgs-policy runs');
like(FgsTest::slurp($out), qr/^fgs-policy \Q$version\E \(/,
     "the installed fgs-policy is $version");


# --- Debian's nginx, the module loaded by the package's snippet

my $conf = $t->make_conf;
unlike($conf, qr/load_module/, 'the test configuration loads no module '
                               . 'itself');
like($conf, qr{include /etc/nginx/modules-enabled/\*\.conf;},
     'it includes /etc/nginx/modules-enabled/*.conf');

$t->start;

my @workers = $t->worker_pids;
ok(@workers, 'Debian\'s nginx runs');
my $maps = FgsTest::slurp("/proc/$workers[0]/maps");
like($maps, qr{\Q$SO\E}, "the worker runs $SO");
unlike($maps, qr{\Q$ROOT\E/build/}, 'not the one in build/');
like($t->error_log, qr/\[notice\].*fgs_policy \Q$version\E /,
     'the module says its version');

my $KMS = '5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f';
$t->seed_functions(urn('prod-orders'));
my $VPC = { vpc_id => 'vpc-0a1b2c', subnet_id => 'subnet-7d8e9f' };

my $denied = config_json('prod-orders', runtime => 'Python2.7',
                         code_encrypt_kms_key_id => $KMS, func_vpc => $VPC);
my $r = $t->json_put(config_path('prod-orders'), $denied);
$t->is_fgs_error($r, 403, 'FGSPOL.4030', 'a denied change: 403 FGSPOL.4030',
                 rules => ['runtime-allowlist']);
$t->upstream_got_nothing('and not forwarded');

my $allowed = config_json('prod-orders', code_encrypt_kms_key_id => $KMS,
                          func_vpc => $VPC);
$r = $t->json_put(config_path('prod-orders'), $allowed);
$t->is_status($r, 200, 'an allowed change: 200');
$t->upstream_got('PUT', config_path('prod-orders'), $allowed,
                 'forwarded byte for byte to the mock FunctionGraph');

$r = $t->request(method => 'GET', target => '/__metrics');
like($r->body, qr/^fgs_policy_build_info\{version="\Q$version\E"/m,
     'the metrics name the version');

my $audit = "$p/logs/audit/audit.log";
($rc, $said) = (FgsTest::run_cmd([$CLI, 'verify-audit', '--live', $audit],
                                 "$p/logs/verify.out", 60),
                FgsTest::slurp("$p/logs/verify.out"));
is($rc, 0, 'the installed fgs-policy verifies the audit file') or diag($said);


# --- the package's logrotate rule, pointed at this test's file and
#     nginx: rotate twice, then tamper

my $rule = FgsTest::slurp($ROTATE);
my $master = $t->master_pid;
my $n = 0;
$n += $rule =~ s{^/var/log/fgs-policy/\*\.log}{$p/logs/audit/*.log}m;
$n += $rule =~ s{invoke-rc\.d nginx rotate}{kill -USR1 $master}m;
$n += $rule =~ s{^(\s*)create 0640 www-data adm$}{${1}create 0640 root root}m;
is($n, 3, 'the rule\'s path, signal and owner found and pointed here');
like($rule, qr/^\s*rotate\s+(\d{4,})$/m, 'it keeps thousands of files');
unlike($rule, qr/^\s*(maxage|shred)\b/m, 'and deletes none by age');
like($rule, qr/^\s*delaycompress$/m,
     'a rotated file stays plain until the next rotation');
FgsTest::spew("$p/conf/logrotate.conf", $rule);

sub logrotate {
    my $out = "$p/logs/logrotate-" . ++$n . '.out';
    my $rc = FgsTest::run_cmd(['/usr/sbin/logrotate', '-f', '-s',
                               "$p/logs/logrotate.state",
                               "$p/conf/logrotate.conf"], $out, 60);
    return ($rc, FgsTest::slurp($out));
}

# the rotated files, oldest first; waits (bounded) until every worker
# began the new file
sub rotated {
    my @f = sort glob("$audit-*");
    my $deadline = time + 10;
    while (time < $deadline) {
        my %start = map { $_->{json}{chain} => 1 }
                    grep { $_->{json} && $_->{json}{kind} eq 'start' }
                    $t->audit_lines($audit);
        last if keys %start >= 1;
        sleep 0.05;
    }
    return @f;
}

($rc, $said) = logrotate();
is($rc, 0, 'logrotate: the first rotation') or diag($said);
my @rot = rotated();
is(scalar @rot, 1, 'one rotated file') or diag(join ' ', @rot);
unlike($rot[0] // '', qr/\.gz$/, 'not compressed yet');
($rc, $said) = (FgsTest::run_cmd([$CLI, 'verify-audit', '--live', @rot,
                                  $audit], "$p/logs/verify.out", 60),
                FgsTest::slurp("$p/logs/verify.out"));
is($rc, 0, 'right after it, the rotated and the new file verify')
    or diag($said);

$r = $t->json_put(config_path('prod-orders'), $allowed);
$t->is_status($r, 200, 'another change');
sleep 1.1;      # the rotated files are named to the second

($rc, $said) = logrotate();
is($rc, 0, 'logrotate: the second rotation') or diag($said);
@rot = rotated();
is(scalar @rot, 2, 'two rotated files, none deleted') or diag(join ' ', @rot);
like($rot[0] // '', qr/\.gz$/, 'the first compressed once verified whole');
unlike($rot[1] // '', qr/\.gz$/, 'the second still plain');
($rc, $said) = (FgsTest::run_cmd([$CLI, 'verify-audit', '--live', @rot,
                                  $audit], "$p/logs/verify.out", 60),
                FgsTest::slurp("$p/logs/verify.out"));
is($rc, 0, 'the three files verify, the .gz among them') or diag($said);

# a record altered in the live file: the rule refuses to rotate it
$r = $t->json_put(config_path('prod-orders'), $denied);

# the request record waits in the worker's buffer for up to the flush
# time (1 s by default: docs/audit.md, "Buffering")
my $live = FgsTest::slurp($audit);
for (1 .. 60) {
    last if $live =~ /"decision":"deny"/;
    select(undef, undef, undef, 0.05);
    $live = FgsTest::slurp($audit);
}
ok($live =~ s/"decision":"deny"/"decision":"allow"/, 'a record altered');
FgsTest::spew($audit, $live);
sleep 1.1;
($rc, $said) = logrotate();
isnt($rc, 0, 'logrotate fails on a file that does not verify');
like($said, qr/does not verify: not rotated/, 'and says so') or diag($said);
is(scalar(() = glob("$audit-*")), 2, 'nothing was rotated');
is(FgsTest::slurp($audit), $live, 'the altered file is left as it is');

$t->finish;

# no process of this test's nginx is left
my @stray = grep { kill 0, $_ } $master, @workers;
ok(!@stray, 'no nginx process left') or diag("@stray");


# --- remove: the module and the link set aside, the conffile kept

($rc, $said) = apt('remove', $PKG);
is($rc, 0, 'apt-get remove') or diag($said);
ok(!-e $SO && !-e $CLI && !-e $SNIPPET, 'the module, CLI and snippet are '
                                        . 'gone');
ok(!-e $LINK && !-l $LINK, 'the link is no longer enabled');
ok(-l "$LINK.removed", 'set aside as .removed, as Debian\'s modules do');
ok(-f $ROTATE, 'the logrotate conffile stays until purge');

# --- purge: nothing left

($rc, $said) = apt('purge', $PKG);
is($rc, 0, 'apt-get purge') or diag($said);
$installed = 0;
like(status(), qr/^(|un|pn)$/, 'not installed') or diag(status());
my @left = grep { -f $_ || -l $_ } @files;
ok(!@left, 'none of the package\'s files is left') or diag("@left");
ok(!-e $LINK && !-l $LINK && !-l "$LINK.removed",
   'no link in /etc/nginx/modules-enabled');
ok(!-e $ROTATE, 'the logrotate rule is gone');
ok(!-e '/var/log/fgs-policy', 'the empty audit directory is gone');

done_testing;
