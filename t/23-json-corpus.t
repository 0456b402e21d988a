# JSONTestSuite through the gateway: every file of its test_parsing set
# (vendored in t/data/JSONTestSuite with its MIT licence)
# sent as a /config body.  None of them is a valid config body, so none
# may reach the upstream; every n_ file (not JSON) is 400 FGSPOL.4000;
# y_ and i_ files are 400 FGSPOL.4000 or 4001; nothing crashes nginx.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $dir = "$FgsTest::ROOT/t/data/JSONTestSuite/test_parsing";

opendir my $dh, $dir or die "$dir: $!";
my @files = sort grep { /^[yni]_.*\.json$/ } readdir $dh;
closedir $dh;
cmp_ok(scalar @files, '>=', 300, 'the vendored corpus is whole');

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%DATA%%/policy-plain.json;
    location / {
        %%PROXY%%
    }
CONF
$t->start;
$t->seed_functions(urn('fn-test'));
my $path = config_path('fn-test');

my (@wrong, @forwarded);
for my $f (@files) {
    my $body = FgsTest::slurp("$dir/$f");
    my $r = $t->json_put($path, $body, { keep => 1 });
    my $e = $r->json;
    my $code = ref $e eq 'HASH' ? $e->{error_code} // '' : '';
    my $ok = $r->status == 400
             && ($f =~ /^n_/ ? $code eq 'FGSPOL.4000'
                             : $code =~ /^FGSPOL\.400[01]$/);
    push @wrong, "$f: " . $r->status . " $code" unless $ok;
}
is(scalar @wrong, 0, scalar(@files) . ' corpus files: each refused as it '
                     . 'should be') or diag(join "\n", @wrong);

my $recs = $t->mock_requests;
is(scalar @$recs, 0, 'none of them reached the upstream')
    or diag(join "\n", map { substr($_->{body}, 0, 80) } @$recs);

my $r = $t->json_put($path, canonical_json({ func_name => 'fn-test',
    runtime => 'Python3.12', handler => 'index.handler', memory_size => 512,
    timeout => 30 }));
$t->is_status($r, 200, 'a valid body still passes after the corpus');

$t->finish;
done_testing;
