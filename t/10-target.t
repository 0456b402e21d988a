# Which requests the gateway governs (docs/policy-language.md, "What it
# governs"), decided on the raw request target: the governed operations are
# detected; every non-canonical or inconsistent target of a governed path is
# rejected with 400 FGSPOL.4002 and never reaches the upstream; reads,
# invocations and other services pass untouched.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%DATA%%/policy-plain.json;
    add_header X-Fgs-Op $fgs_policy_operation always;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    add_header X-Fgs-Project $fgs_policy_project_id always;
    add_header X-Fgs-Urn $fgs_policy_function_urn always;
    location / {
        %%PROXY%%
    }
CONF
$t->start;

my $P = PROJECT;
my $U = urn('fn-test');
my $base = "/v2/$P/fgs/functions/$U";
my $port = $t->port;

my $code = read_data('seeds/code-inline.json');
my $config = json_encode({ func_name => 'fn-test', runtime => 'Python3.12',
    handler => 'index.handler', memory_size => 512, timeout => 30 });
my $create = json_encode({ func_name => 'fn-new', package => 'default',
    runtime => 'Python3.12', handler => 'index.handler', memory_size => 256,
    timeout => 30, code_type => 'inline',
    func_code => { file => encode_base64("def handler(e, c):\n    return e\n",
                                         '') } });

my $UP = uc $P;
my $Uv = urn('fn-test', version => 'latest');
my $Ualias = urn('fn-test', version => 'prod_alias-1');
my $Uup = urn('fn-test', project => $UP);
$t->seed_functions($U, $Uv, $Ualias, $Uup);

# test names: the long project id and URN shortened
sub short {
    my ($s) = @_;
    $s =~ s/\Q$U\E/{urn}/g;
    $s =~ s/\Q$P\E/{project}/g;
    return $s;
}

sub body_for {
    my ($target) = @_;
    return $target =~ m{(?i)code}              ? $code
         : $target =~ m{(?i)functions/*[^/]*$} ? $create
         : $config;
}


# --- governed operations are detected and forwarded byte for byte

my @governed = (
    [ 'PUT',  "$base/code",                    'code',   $code ],
    [ 'PUT',  "$base/config",                  'config', $config ],
    [ 'POST', "/v2/$P/fgs/functions",          'create', $create ],
    [ 'PUT',  "$base/config?x=1&y=/../code//", 'config', $config ],
    [ 'PUT',  "$base/code?",                   'code',   $code ],
    [ 'PUT',  "/v2/$P/fgs/functions/$Uv/code", 'code',   $code ],
    [ 'PUT',  "/v2/$P/fgs/functions/$Ualias/config", 'config', $config ],
    [ 'PUT',  "/v2/$UP/fgs/functions/$Uup/config",   'config', $config ],
);

for my $g (@governed) {
    my ($m, $target, $op, $body) = @$g;
    my $r = $t->json_request($m, $target, $body);
    subtest short("$m $target is governed as $op") => sub {
        is($r->header('x-fgs-op'), $op, "operation $op");
        is($r->header('x-fgs-decision'), 'allow', 'decision allow');
        isnt($r->status, 400, 'not rejected') or diag($r->summary);
    };
    $t->upstream_got($m, $target, $body,
                     short("$m $target forwarded untouched"));
}

my $r = $t->json_put("$base/config", $config);
is($r->header('x-fgs-project'), $P, '$fgs_policy_project_id');
is($r->header('x-fgs-urn'), $U, '$fgs_policy_function_urn');
$t->is_status($r, 200, 'the mock accepted the forwarded config');

# A query string does not change the operation: a bad body is refused.
$r = $t->json_put("$base/config?debug=1", '{"func_name":1}');
$t->is_fgs_error($r, 400, 'FGSPOL.4001',
                 'a query string leaves the config operation governed');
$t->upstream_got_nothing('nothing forwarded');

# Writes under /v2/{project}/fgs/ that are no endpoint of the API
# reference are governed as "other".
for my $g ([ 'DELETE', "$base/future-api" ],
           [ 'POST', "/v2/$P/fgs/future-triggers/$U" ],
           [ 'PATCH', "/v2/$P/fgs/functions/$U/reservedinstances" ])
{
    my ($m, $target) = @$g;
    $r = $t->request(method => $m, target => $target, body => '{}',
                     headers => ['Content-Type' => 'application/json']);
    is($r->header('x-fgs-op'), 'other', short("$m $target is an other write"));
    $t->upstream_got($m, $target, '{}',
                     short("$m $target forwarded (other_writes allow)"));
}


# --- non-canonical targets of governed paths: 400 FGSPOL.4002, nothing
#     forwarded

(my $Upct = $U) =~ s/:/%3A/g;
(my $Upct_lc = $U) =~ s/:/%3a/g;
(my $Uupper = $U) =~ s/^urn:fss:/URN:FSS:/;
my $Uother = urn('fn-test', project => OTHER_PROJECT);
my $Ushort = urn('fn-test', project => '0123456789');

my @noncanonical = (
    # a suffix that a router reads as a format, and a method override in
    # the query: read as code, config or create by some router
    [ 'PUT',  "$base/config.json",                     'suffix' ],
    [ 'PUT',  "$base/code.zip",                        'suffix' ],
    [ 'POST', "/v2/$P/fgs/functions.json",             'suffix' ],
    [ 'POST', "/v2/$P/fgs/functions.xml",              'suffix' ],
    [ 'POST', "$base/config?_method=PUT",              'override' ],
    [ 'POST', "$base/code?a=1&_Method=PUT",            'override' ],
    [ 'PUT',  "$base/config?method=PATCH",             'override' ],
    [ 'POST', "/v2/$P/fgs/functions/x?x-http-method-override=PUT",
      'override' ],
    # percent-encoding
    [ 'PUT',  "$base/%63ode",                          'percent' ],
    [ 'PUT',  "$base/confi%67",                        'percent' ],
    [ 'PUT',  "/v2/$P/fgs/functions/$Upct/config",     'percent' ],
    [ 'PUT',  "/v2/$P/fgs/functions/$Upct_lc/code",    'percent' ],
    [ 'PUT',  "/v2/$P/fgs/function%73/$U/config",      'percent' ],
    [ 'PUT',  "/v2/$P/%66gs/functions/$U/code",        'percent' ],
    [ 'PUT',  "/v2/$P/fgs/functions/$U%2Fcode",        'percent' ],
    [ 'PUT',  "/%762/$P/fgs/functions/$U/code",        'percent' ],
    [ 'POST', "/v2/$P/fgs/%66unctions",                'percent' ],
    # dot segments
    [ 'PUT',  "$base/./code",                          'dot' ],
    [ 'PUT',  "$base/x/../config",                     'dot' ],
    [ 'PUT',  "/v2/$P/fgs/./functions/$U/config",      'dot' ],
    [ 'PUT',  "/v2/$P/./fgs/functions/$U/code",        'dot' ],
    [ 'PUT',  "/v2/x/../$P/fgs/functions/$U/code",     'dot' ],
    [ 'PUT',  "$base/code/.",                          'dot' ],
    [ 'PUT',  "/./v2/$P/fgs/functions/$U/code",        'dot' ],
    [ 'POST', "/v2/$P/fgs/functions/.",                'dot' ],
    [ 'POST', "/v2/$P/fgs/functions/x/..",             'dot' ],
    # doubled slashes
    [ 'PUT',  "//v2/$P/fgs/functions/$U/code",         'slash' ],
    [ 'PUT',  "/v2//$P/fgs/functions/$U/code",         'slash' ],
    [ 'PUT',  "/v2/$P//fgs/functions/$U/config",       'slash' ],
    [ 'PUT',  "/v2/$P/fgs//functions/$U/config",       'slash' ],
    [ 'PUT',  "/v2/$P/fgs/functions//$U/code",         'slash' ],
    [ 'PUT',  "$base//code",                           'slash' ],
    [ 'POST', "//v2/$P/fgs/functions",                 'slash' ],
    # trailing slash
    [ 'PUT',  "$base/code/",                           'trailing' ],
    [ 'PUT',  "$base/config/",                         'trailing' ],
    [ 'PUT',  "$base/config/?a=1",                     'trailing' ],
    [ 'POST', "/v2/$P/fgs/functions/",                 'trailing' ],
    # ;parameters
    [ 'PUT',  "$base/code;jsessionid=1",               'params' ],
    [ 'PUT',  "$base;v=1/config",                      'params' ],
    [ 'PUT',  "/v2/$P;x/fgs/functions/$U/config",      'params' ],
    [ 'POST', "/v2/$P/fgs/functions;x=1",              'params' ],
    # case variants
    [ 'PUT',  "$base/CODE",                            'case' ],
    [ 'PUT',  "$base/Config",                          'case' ],
    [ 'PUT',  "/v2/$P/FGS/functions/$U/code",          'case' ],
    [ 'PUT',  "/v2/$P/fgs/Functions/$U/code",          'case' ],
    [ 'PUT',  "/V2/$P/fgs/functions/$U/config",        'case' ],
    [ 'PUT',  "/v2/$P/fgs/functions/$Uupper/code",     'case' ],
    [ 'PUT',  "/v2/$UP/fgs/functions/$U/code",         'case' ],
    [ 'POST', "/v2/$P/fgs/FUNCTIONS",                  'case' ],
    # absolute-form
    [ 'PUT',  "http://127.0.0.1:$port$base/code",      'absolute' ],
    [ 'PUT',  "http://functiongraph.cn-north-4.myhuaweicloud.com$base/config",
                                                       'absolute' ],
    [ 'POST', "HTTP://localhost/v2/$P/fgs/functions",  'absolute' ],
    # backslash
    [ 'PUT',  "$base\\code",                           'backslash' ],
    [ 'PUT',  "/v2/$P/fgs/functions\\$U/config",       'backslash' ],
    [ 'PUT',  "/v2\\$P/fgs/functions/$U/code",         'backslash' ],
    # a fragment the upstream would strip
    [ 'PUT',  "$base/code#x",                          'fragment' ],
    # inconsistent: the URN's project is not the path's, malformed URNs
    # and project ids
    [ 'PUT',  "/v2/$P/fgs/functions/$Uother/code",     'project mismatch' ],
    [ 'PUT',  "/v2/$P/fgs/functions/$Uother/config",   'project mismatch' ],
    [ 'PUT',  "/v2/0123456789/fgs/functions/$Ushort/code", 'short project' ],
    [ 'PUT',  "/v2/$P/fgs/functions/urn:fss:cn-north-4:$P:function:default:fn.test/code",
                                                       'bad URN character' ],
    [ 'PUT',  "/v2/$P/fgs/functions/urn:fss:cn-north-4:$P:func:default:fn-test/code",
                                                       'bad URN form' ],
    [ 'PUT',  "/v2/$P/fgs/functions/urn:fss:cn-north-4:$P:function:default:/config",
                                                       'bad URN form' ],
    [ 'PUT',  "/v2/$P/fgs/functions/$U:latest:extra/config",
                                                       'bad URN form' ],
    [ 'PUT',  "/v2/$P/fgs/functions/fn-test/config",   'not a URN' ],
    # other writes are governed too
    [ 'DELETE', "$base/",                              'trailing' ],
    [ 'POST', "/v2/$P/fgs/triggers/%2e%2e/functions",  'percent' ],
);

for my $n (@noncanonical) {
    my ($m, $target, $class) = @$n;
    my $body = body_for($target);
    $r = $t->json_request($m, $target, $body);
    $t->is_fgs_error($r, 400, 'FGSPOL.4002', short("$class: $m $target"));
    $t->upstream_got_nothing(short("$class: $m $target: nothing forwarded"));
}

# The same classes on a keep-alive connection: the rejection does not
# leave the connection in a state where the body is read as a request.
{
    my $req = build_request(method => 'PUT', target => "$base/%63ode",
        host => "127.0.0.1:$port", close => 0, body => $code,
        headers => ['Content-Type' => 'application/json']);
    my $next = build_request(method => 'GET', target => "$base/config",
        host => "127.0.0.1:$port");
    my @rs = $t->raw($req . $next, count => 2);
    is($rs[0]->status, 400, 'keep-alive: the first request is rejected');
    ok(!$rs[1] || !$rs[1]->complete || $rs[1]->status == 200,
       'keep-alive: the next request, if served, is the GET');
    my $recs = $t->mock_requests;
    ok(!grep({ $_->{method} ne 'GET' } @$recs),
       'keep-alive: only the GET may reach the upstream');
}


# --- method override headers are refused on governed paths

for my $h ('X-HTTP-Method-Override', 'X-HTTP-Method', 'X-Method-Override') {
    $r = $t->json_post("$base/code", $code, $h => 'PUT');
    $t->is_fgs_error($r, 400, 'FGSPOL.4002', "POST with $h: PUT");
    $t->upstream_got_nothing("$h: the upstream got nothing");
}
$r = $t->request(method => 'GET', target => "$base/config",
                 headers => ['X-HTTP-Method-Override' => 'PUT']);
$t->is_fgs_error($r, 400, 'FGSPOL.4002', 'GET with X-HTTP-Method-Override');
$t->upstream_got_nothing('override on a read: the upstream got nothing');


# --- reads and invocations pass untouched

$t->seed_functions($U);     # the DELETE above removed it from the mock

for my $target ("$base/config", "$base/code",
                "/v2/$P/fgs/functions?marker=0&maxitems=10",
                "/v2/$P/fgs/functions/$U")
{
    $r = $t->request(method => 'GET', target => $target);
    isnt($r->status, 400, short("GET $target is not rejected"));
    $t->upstream_got('GET', $target, undef, short("GET $target reaches the mock"));
}
$r = $t->request(method => 'GET', target => "$base/config");
$t->is_status($r, 200, 'GET config answered by the mock');
is(eval { $r->json->{func_urn} }, $U, 'with the function metadata');

$r = $t->request(method => 'HEAD', target => "$base/config");
isnt($r->status, 400, 'HEAD is not rejected');
$t->upstream_got('HEAD', "$base/config", undef, 'HEAD reaches the mock');

my $junk = "not json \x00\xff\xfe {\"memory_size\": \"huge\"";
for my $inv ('invocations', 'invocations-async') {
    $r = $t->request(method => 'POST', target => "$base/$inv", body => $junk,
                     headers => ['Content-Type' => 'text/plain']);
    ok($r->status == 200 || $r->status == 202, "POST $inv answered")
        or diag($r->summary);
    $t->upstream_got('POST', "$base/$inv", $junk,
                     "$inv body forwarded byte for byte");
}

my $event = '{"memory_size":"1024.0","memory_size":1,"k":' . ('[' x 100)
            . (']' x 100) . '}';
$r = $t->json_post("$base/invocations?x=1", $event,
                   'Content-Encoding' => 'identity');
$t->is_status($r, 200, 'a JSON invocation event is not checked');
$t->upstream_got('POST', "$base/invocations?x=1", $event,
                 'the event is forwarded byte for byte');

my $bigevent = '{"data":"' . ('x' x 300_000) . '"}';
$r = $t->request(method => 'POST', target => "$base/invocations",
                 body => $bigevent, chunked => 4096,
                 headers => ['Content-Type' => 'application/json']);
$t->is_status($r, 200, 'a chunked invocation passes');
$t->upstream_got('POST', "$base/invocations", $bigevent,
                 'the chunked event is forwarded byte for byte');

# other services and other API versions are not governed at all
for my $target ("/v1/$P/fgs/functions/$U/code", "/v2/$P/ecs/servers",
                "/v2/$P/fgsx/functions/$U/code", "/v3/$P/fgs/functions")
{
    $r = $t->request(method => 'PUT', target => $target, body => $junk,
                     headers => ['Content-Type' => 'text/plain']);
    isnt($r->header('x-fgs-decision') // '', 'error',
         "PUT $target is not governed");
    $t->upstream_got('PUT', $target, $junk,
                     "PUT $target forwarded byte for byte");
}

$t->finish;
done_testing;
