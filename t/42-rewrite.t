# Rewrites beyond the KMS default (docs/policy-language.md, "Rewrites" and
# "Signed bodies"): set_default (nested, creating parents), set and remove
# on compact, pretty-printed, chunked and spilled bodies; the forwarded body
# is valid JSON, exactly the expected object with the original members in
# their order, with a correct Content-Length; an unchanged body stays byte
# for byte; a signed body that would need them is refused with FGSPOL.4031.

use strict;
use warnings;

use Test::More;

use FindBin;
use lib "$FindBin::Bin/lib";
use FgsTest;

my $t = FgsTest->new(server => <<'CONF');
    fgs_policy %%DATA%%/policy-rewrite.json;
    client_body_buffer_size 1k;
    add_header X-Fgs-Decision $fgs_policy_decision always;
    location / {
        %%PROXY%%
    }
CONF
$t->start;
$t->seed_functions(urn('dev-x'));
my $path = config_path('dev-x');

my $AKSK = 'SDK-HMAC-SHA256 Access=TESTAK, SignedHeaders=content-type;host;'
           . 'x-sdk-date, Signature=' . ('0b' x 32);

my %base = (func_name => 'dev-x', runtime => 'Python3.12',
            handler => 'index.handler', memory_size => 512, timeout => 30);

# what the policy makes of a body (as a Perl structure)
sub expected {
    my ($b) = @_;
    my %e = %{ json_decode(json_encode($b)) };
    delete @e{qw(xrole app_xrole)};
    delete $e{func_vpc}{security_groups} if ref $e{func_vpc};
    $e{strategy_config}{concurrency} //= 10;
    $e{strategy_config}{concurrent_num} //= 1;
    $e{ephemeral_storage} = 512;
    $e{lts_custom_tag}{owner} //= 'platform';
    return \%e;
}

# the top-level keys of a JSON text, in the order written
sub key_order {
    my ($text) = @_;
    my @k;
    my $depth = 0;
    while ($text =~ /\G(?:("(?:[^"\\]|\\.)*")(\s*:)?|([{\[])|([}\]])|[^"{}\[\]]+)/gcs) {
        if (defined $3) { $depth++; next; }
        if (defined $4) { $depth--; next; }
        push @k, substr($1, 1, -1) if defined $1 && defined $2 && $depth == 1;
    }
    return @k;
}

sub check_rewrite {
    my ($name, $body, $want, %o) = @_;

    my $r = $o{chunked}
        ? $t->request(method => 'PUT', target => $path, body => $body,
                      chunked => $o{chunked},
                      headers => ['Content-Type' => 'application/json',
                                  'X-Auth-Token' => 'tok'])
        : $t->json_put($path, $body);
    subtest $name => sub {
        is($r->status, 200, 'forwarded') or diag($r->summary);
        is($r->header('x-fgs-decision'), 'rewrite', 'decision rewrite');
        my $recs = $t->mock_requests;
        is(scalar @$recs, 1, 'the upstream got one request');
        my $rec = $recs->[0] or return;
        my $got = eval { json_decode($rec->{body}) };
        ok($got, 'the forwarded body is valid JSON')
            or diag($rec->{body});
        is_deeply($got, $want, 'it is exactly the expected object')
            or diag($rec->{body});
        is($rec->{headers}{'content-length'}, length $rec->{body},
           'Content-Length matches');
        my %gone = map { $_ => 1 } qw(xrole app_xrole);
        my @kept = grep { !$gone{$_} } key_order($body);
        my @now = key_order($rec->{body});
        is_deeply([ @now[0 .. $#kept] ], \@kept,
                  'the original members keep their order, added ones follow')
            if $o{order};
    };
}

# A: only additions
check_rewrite('additions to a minimal body', canonical_json(\%base),
              expected(\%base), order => 1);

# B: removals first, last and nested, a set, set_defaults into present
#    and absent objects
my $full_text = '{"xrole":"agency-a","func_name":"dev-x","runtime":"Python3.12",'
    . '"handler":"index.handler","memory_size":512,"timeout":30,'
    . '"func_vpc":{"vpc_id":"v","security_groups":["sg-1","sg-2"],'
    . '"subnet_id":"s"},"strategy_config":{"concurrency":5,'
    . '"concurrent_num":2},"ephemeral_storage":10240,'
    . '"lts_custom_tag":{"team":"a"},"app_xrole":"agency-b"}';
my $full = json_decode($full_text);
check_rewrite('removals, a set and nested set_defaults', $full_text,
              expected($full), order => 1);

# C: the same, pretty-printed with odd whitespace
my $pretty = "{\n\t\"xrole\" : \"agency-a\" ,\n  \"func_name\":\"dev-x\",\r\n"
    . "  \"runtime\":  \"Python3.12\", \"handler\":\"index.handler\",\n"
    . "  \"memory_size\" :512 , \"timeout\":30,\n  \"func_vpc\" : {\n"
    . "    \"security_groups\" : [ \"sg-1\" ] ,\n    \"vpc_id\":\"v\",\n"
    . "    \"subnet_id\":\"s\"\n  },\n  \"ephemeral_storage\" : 10240 ,\n"
    . "  \"lts_custom_tag\" : { } ,\n  \"app_xrole\" : \"agency-b\"\n}\n";
check_rewrite('pretty-printed, odd whitespace', $pretty,
              expected(json_decode($pretty)));

# the removed member is the only one of its object
my $only = '{"func_name":"dev-x","runtime":"Python3.12","handler":"index.handler",'
    . '"memory_size":512,"timeout":30,"xrole":"x"}';
check_rewrite('removing the last member', $only, expected(json_decode($only)));
my $first = '{"xrole":"x","func_name":"dev-x","runtime":"Python3.12",'
    . '"handler":"index.handler","memory_size":512,"timeout":30}';
check_rewrite('removing the first member', $first,
              expected(json_decode($first)));

# chunked and spilled
my %long = (%$full, description => 'd' x 5000);
my $long_text = canonical_json(\%long);
check_rewrite('a spilled body', $long_text, expected(\%long));
check_rewrite('a chunked, spilled body', $long_text, expected(\%long),
              chunked => 333);
check_rewrite('a chunked body in 1-byte chunks', $full_text, expected($full),
              chunked => 1);

# D: nothing to change: byte for byte
my $done = '{"func_name":"dev-x","runtime":"Python3.12","handler":"index.handler",'
    . '"memory_size":512,"timeout":30,"func_vpc":{"vpc_id":"v",'
    . '"subnet_id":"s"},"strategy_config":{"concurrency":3,'
    . '"concurrent_num":4},"ephemeral_storage":512,'
    . '"lts_custom_tag":{"owner":"me"}}';
my $r = $t->json_put($path, $done);
$t->is_status($r, 200, 'a body that needs no change passes');
is($r->header('x-fgs-decision'), 'allow', 'decision allow');
$t->upstream_got('PUT', $path, $done, 'it is forwarded byte for byte');

# E: signed: the caller must make the changes itself
$r = $t->json_put($path, $full_text, 'X-Auth-Token' => undef,
                  'Authorization' => $AKSK);
$t->is_fgs_error($r, 403, 'FGSPOL.4031', 'a signed body needing rewrites',
                 fields => [qw(xrole app_xrole func_vpc.security_groups
                               ephemeral_storage lts_custom_tag.owner)]);
$t->upstream_got_nothing('signed: nothing forwarded');

$r = $t->json_put($path, $done, 'X-Auth-Token' => undef,
                  'Authorization' => $AKSK);
$t->is_status($r, 200, 'a signed body that needs no change passes');
$t->upstream_got('PUT', $path, $done, 'byte for byte');

$t->finish;
done_testing;
