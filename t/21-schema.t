# Bodies checked against the FunctionGraph API reference
# (docs/policy-language.md, "What a governed body must be"): exact types,
# look-alike keys, the documented fixed constraints, every violation listed
# with its field; the API reference's own example bodies pass and are
# forwarded byte for byte.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%DATA%%/policy-plain.json;
    location / {
        %%PROXY%%
    }
CONF
$t->start;

my $U = urn('fn-test');
$t->seed_functions($U);
my $config_path = config_path('fn-test');
my $code_path = code_path('fn-test');
my $create_path = create_path();

# A body with one member replaced (or added, or removed when undef),
# written by hand so that numbers keep the exact spelling of the test.
sub config_with {
    my (%o) = @_;
    my %f = (func_name => '"fn-test"', runtime => '"Python3.12"',
             handler => '"index.handler"', memory_size => '512',
             timeout => '30');
    my @order = qw(func_name runtime handler memory_size timeout);
    for my $k (sort keys %o) {
        push @order, $k unless exists $f{$k};
        $f{$k} = $o{$k};
    }
    return '{' . join(',', map { "\"$_\":$f{$_}" }
                           grep { defined $f{$_} } @order) . '}';
}

sub code_with {
    my (%o) = @_;
    my %f = (code_type => '"zip"', code_filename => '"index.zip"',
             func_code => '{"file":"UEsDBBQAAAAIAA=="}');
    my @order = qw(code_type code_filename func_code);
    for my $k (sort keys %o) {
        push @order, $k unless exists $f{$k};
        $f{$k} = $o{$k};
    }
    return '{' . join(',', map { "\"$_\":$f{$_}" }
                           grep { defined $f{$_} } @order) . '}';
}

my $r;

# the baseline passes: every failure below is the one change it makes
$r = $t->json_put($config_path, config_with());
$t->is_status($r, 200, 'the baseline config body passes');
$r = $t->json_put($code_path, code_with());
$t->is_status($r, 200, 'the baseline code body passes');


# --- types exactly as documented

my @types = (
    [ memory_size => '1024.0' ], [ memory_size => '"1024"' ],
    [ memory_size => '1e3' ],    [ memory_size => '1024e0' ],
    [ memory_size => '1.024E3' ], [ memory_size => 'true' ],
    [ memory_size => 'null' ],   [ memory_size => '[1024]' ],
    [ memory_size => '-0.0' ],
    [ timeout => '"30"' ],       [ timeout => '30.5' ],
    [ timeout => '3e1' ],
    [ gpu_memory => '1024.0' ],  [ ephemeral_storage => '"512"' ],
    [ func_name => '42' ],       [ runtime => '3.12' ],
    [ handler => '["index.handler"]' ],
    [ user_data => '{"k":"v"}' ],
    [ func_vpc => '"vpc-1"' ],
    [ is_stateful_function => '"true"' ],
    [ enable_dynamic_memory => '1' ],
    [ status => '"0"' ],
    [ lts_custom_tag => '["team"]' ],
    [ initializer_timeout => '10.0' ],
);
for my $c (@types) {
    my ($field, $value) = @$c;
    $r = $t->json_put($config_path, config_with($field => $value));
    $t->is_fgs_error($r, 400, 'FGSPOL.4001', "$field: $value is refused",
                     fields => [$field]);
    $t->upstream_got_nothing("$field: $value: nothing forwarded");
}

my @nested_types = (
    [ 'func_vpc.security_groups[1]', '{"vpc_id":"v","subnet_id":"s",'
                                     . '"security_groups":["sg",1]}',
      'func_vpc' ],
    [ 'func_vpc.security_groups', '{"vpc_id":"v","subnet_id":"s",'
                                  . '"security_groups":"sg"}', 'func_vpc' ],
    [ 'lts_custom_tag.team', '{"env":"prod","team":1}', 'lts_custom_tag' ],
    [ 'func_vpc.vpc_id', '{"vpc_id":7,"subnet_id":"s"}', 'func_vpc' ],
    [ 'strategy_config.concurrency', '{"concurrency":"10",'
                                     . '"concurrent_num":1}',
      'strategy_config' ],
    [ 'strategy_config.concurrent_num', '{"concurrency":10,'
                                        . '"concurrent_num":1.0}',
      'strategy_config' ],
    [ 'custom_image.enabled', '{"enabled":"yes"}', 'custom_image' ],
);
for my $c (@nested_types) {
    my ($field, $value, $top) = @$c;
    $r = $t->json_put($config_path, config_with($top => $value));
    $t->is_fgs_error($r, 400, 'FGSPOL.4001', "$field of the wrong type",
                     fields => [$field]);
    $t->upstream_got_nothing("$field: nothing forwarded");
}

for my $c ([ code_type => '1' ], [ code_filename => '["a.zip"]' ],
           [ func_code => '"UEsDBBQAAAAIAA=="' ],
           [ depend_version_list => '"dep-1"' ],
           [ depend_version_list => '[1,2]' ])
{
    my ($field, $value) = @$c;
    $r = $t->json_put($code_path, code_with($field => $value));
    $t->is_fgs_error($r, 400, 'FGSPOL.4001', "code $field: $value",
                     fields => [ $field eq 'depend_version_list'
                                 && $value =~ /\[/
                                 ? 'depend_version_list[0]' : $field ]);
    $t->upstream_got_nothing("code $field: nothing forwarded");
}


# --- keys that differ from a documented field only by case, _ or -
#     (section 4, third point: "one strict, unambiguous JSON object")

for my $k (qw(memorySize Memory_Size memory-size MEMORY_SIZE memorysize
              Timeout funcName func-name Func_Name RUNTIME))
{
    $r = $t->json_put($config_path, config_with($k => '512'));
    $t->is_fgs_error($r, 400, 'FGSPOL.4000',
                     "the look-alike key $k is refused", fields => [$k]);
    $t->upstream_got_nothing("$k: nothing forwarded");
}
$r = $t->json_put($config_path,
                  config_with(func_vpc => '{"vpc_id":"v","subnet_id":"s",'
                                          . '"Subnet_Id":"t"}'));
$t->is_fgs_error($r, 400, 'FGSPOL.4000',
                 'a look-alike key inside func_vpc is refused',
                 fields => ['func_vpc.Subnet_Id']);
$r = $t->json_put($code_path, code_with(codeType => '"obs"'));
$t->is_fgs_error($r, 400, 'FGSPOL.4000',
                 'a look-alike key in a code body is refused',
                 fields => ['codeType']);
$t->upstream_got_nothing('codeType: nothing forwarded');


# --- documented fixed constraints

my @ranges = (
    [ timeout => '2' ], [ timeout => '0' ], [ timeout => '-30' ],
    [ timeout => '259201' ], [ timeout => '99999999999999999999' ],
    [ initializer_timeout => '0' ], [ initializer_timeout => '301' ],
    [ pre_stop_timeout => '0' ], [ pre_stop_timeout => '91' ],
    [ func_name => '"1abc"' ], [ func_name => '"abc-"' ],
    [ func_name => '"a b"' ], [ func_name => '""' ],
    [ func_name => '"' . ('a' x 61) . '"' ], [ func_name => '"fn.test"' ],
    [ func_name => '"-abc"' ], [ func_name => '"f\u00e9"' ],
    [ handler => '"index"' ], [ handler => '"' . ('h' x 125) . '.run"' ],
    [ initializer_handler => '"noperiod"' ],
    [ pre_stop_handler => '"noperiod"' ],
    [ user_data => '"' . ('u' x 4097) . '"' ],
    [ peering_cidr => '"10.0.0.0/33"' ],
    [ peering_cidr => '"10.0.0.0/8;10.1.0.0/16;10.2.0.0/16;10.3.0.0/16;'
                      . '10.4.0.0/16;10.5.0.0/16"' ],
    [ peering_cidr => '"300.0.0.0/8"' ],
    [ peering_cidr => '"not-a-cidr"' ],
);
for my $c (@ranges) {
    my ($field, $value) = @$c;
    my $show = length $value > 40 ? substr($value, 0, 37) . '...' : $value;
    $r = $t->json_put($config_path, config_with($field => $value));
    $t->is_fgs_error($r, 400, 'FGSPOL.4001', "$field: $show is refused",
                     fields => [$field]);
    $t->upstream_got_nothing("$field: $show: nothing forwarded");
}

my @nested_ranges = (
    [ 'strategy_config.concurrency', 'strategy_config',
      '{"concurrency":1001,"concurrent_num":1}' ],
    [ 'strategy_config.concurrency', 'strategy_config',
      '{"concurrency":-2,"concurrent_num":1}' ],
    [ 'strategy_config.concurrent_num', 'strategy_config',
      '{"concurrency":10,"concurrent_num":0}' ],
    [ 'strategy_config.concurrent_num', 'strategy_config',
      '{"concurrency":10,"concurrent_num":1001}' ],
    [ 'mount_config.mount_user.user_id', 'mount_config',
      '{"mount_user":{"user_id":65535,"user_group_id":-1},"func_mounts":[]}' ],
    [ 'mount_config.mount_user.user_group_id', 'mount_config',
      '{"mount_user":{"user_id":-1,"user_group_id":-2},"func_mounts":[]}' ],
);
for my $c (@nested_ranges) {
    my ($field, $top, $value) = @$c;
    $r = $t->json_put($config_path, config_with($top => $value));
    $t->is_fgs_error($r, 400, 'FGSPOL.4001', "$field out of range: $value",
                     fields => [$field]);
    $t->upstream_got_nothing("$field: nothing forwarded");
}

# the edges of the ranges pass
for my $c ([ timeout => '3' ], [ timeout => '259200' ],
           [ initializer_timeout => '1' ], [ initializer_timeout => '300' ],
           [ pre_stop_timeout => '90' ],
           [ handler => '"' . ('h' x 124) . '.run"' ], [ func_name => '"' . ('a' x 60) . '"' ],
           [ func_name => '"A_1-b2"' ], [ user_data => '"' . ('u' x 4096) . '"' ],
           [ peering_cidr => '"10.0.0.0/8;10.1.0.0/16;10.2.0.0/16;'
                             . '10.3.0.0/16;10.4.0.0/16"' ],
           [ strategy_config => '{"concurrency":-1,"concurrent_num":1000}' ],
           [ mount_config => '{"mount_user":{"user_id":65534,'
                             . '"user_group_id":-1},"func_mounts":[]}' ],
           [ memory_size => '100000' ], [ runtime => '"Brainfuck9"' ])
{
    my ($field, $value) = @$c;
    my $body = config_with($field => $value);
    my $show = length $value > 40 ? substr($value, 0, 37) . '...' : $value;
    $r = $t->json_put($config_path, $body);
    $t->is_status($r, 200, "$field: $show passes");
    $t->upstream_got('PUT', $config_path, $body,
                     "$field: $show: forwarded byte for byte");
}

# the code body's constraints
my @code_bad = (
    [ 'code_type', code_with(code_type => '"tar"') ],
    [ 'code_type', code_with(code_type => '"ZIP"') ],
    [ 'code_filename', code_with(code_filename => undef) ],
    [ 'code_filename', code_with(code_type => '"jar"',
                                 code_filename => undef) ],
    [ 'code_url', code_with(code_type => '"obs"', code_filename => undef,
                            func_code => '{}') ],
    [ 'func_code.file', code_with(func_code => '{"file":"not base64!!"}') ],
    [ 'func_code.file', code_with(func_code => '{"file":"UEsDB"}') ],
    [ 'func_code.file', code_with(func_code => '{"file":"UEs=DBBQ"}') ],
    [ 'func_code.file', code_with(func_code => '{"file":"UEsDBBQAAAAIAA=}"}') ],
);
for my $c (@code_bad) {
    my ($field, $body) = @$c;
    $r = $t->json_put($code_path, $body);
    $t->is_fgs_error($r, 400, 'FGSPOL.4001', "code: bad $field: $body",
                     fields => [$field]);
    $t->upstream_got_nothing("code: bad $field: nothing forwarded");
}

for my $body (code_with(code_type => '"obs"', code_filename => undef,
                        func_code => '{}',
                        code_url => '"https://b.obs.cn-north-4.myhuaweicloud'
                                    . '.com/c.zip"'),
              code_with(code_type => '"inline"', code_filename => undef,
                        func_code => '{"file":"aW1wb3J0IGpzb24K"}'),
              code_with(code_type => '"jar"', code_filename => '"a.jar"'))
{
    $r = $t->json_put($code_path, $body);
    $t->is_status($r, 200, "code body passes: $body");
    $t->upstream_got('PUT', $code_path, $body, 'forwarded byte for byte');
}


# --- every violation is listed, each with its field

$r = $t->json_put($config_path, config_with(
    func_name => '"9bad"', memory_size => '"512"', timeout => '1',
    handler => '"nodot"', gpu_memory => '2048.0',
    strategy_config => '{"concurrency":5000,"concurrent_num":1}'));
my $e = $t->is_fgs_error($r, 400, 'FGSPOL.4001', 'six violations at once',
    fields => [qw(func_name memory_size timeout handler gpu_memory
                  strategy_config.concurrency)]);
ok($e && @{ $e->{violations} } >= 6, 'at least six violations listed');
ok($e && !grep({ defined $_->{rule} } @{ $e->{violations} }),
   'schema violations name no policy rule');
$t->upstream_got_nothing('six violations: nothing forwarded');

# a secret never comes back in an error
$r = $t->json_put($config_path, config_with(
    user_data => '"password=hunter2-' . ('s' x 5000) . '"'));
$e = $t->is_fgs_error($r, 400, 'FGSPOL.4001', 'user_data too long',
                      fields => ['user_data']);
unlike($r->body, qr/hunter2/, 'the error does not echo user_data');
$r = $t->json_put($code_path, code_with(
    func_code => '{"file":"c2VjcmV0LWNvZGU$"}'));
unlike($r->body, qr/c2VjcmV0LWNvZGU/, 'nor func_code.file');

# create takes the same fields
$r = $t->json_post($create_path, config_with(package => '"default"',
    code_type => '"inline"', memory_size => '512.0',
    func_code => '{"file":"aW1wb3J0IGpzb24K"}'));
$t->is_fgs_error($r, 400, 'FGSPOL.4001', 'create: memory_size 512.0',
                 fields => ['memory_size']);
$t->upstream_got_nothing('create: nothing forwarded');


# --- the API reference's example bodies pass, byte for byte

for my $c ([ 'seeds/code-inline.json', $code_path ],
           [ 'seeds/code-zip.json', $code_path ],
           [ 'seeds/config-mount.json', $config_path ],
           [ 'seeds/config-gpu.json', $config_path ],
           [ 'seeds/config-custom-image.json', $config_path ])
{
    my ($file, $path) = @$c;
    my $body = read_data($file);
    $r = $t->json_put($path, $body);
    $t->is_status($r, 200, "the API reference example $file passes");
    $t->upstream_got('PUT', $path, $body, "$file: forwarded byte for byte");
}

$t->finish;
done_testing;
