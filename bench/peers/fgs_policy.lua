--[[
The organisation's FunctionGraph policy (conf/policy.json;
docs/policy-language.md) written by hand for lua-nginx-module with
lua-cjson, as a user without the module would: the benchmark's Lua peer.

access_by_lua reads the body with ngx.req.read_body() (in memory:
client_body_buffer_size equals client_max_body_size), decodes it with
cjson, applies the rules, and lets proxy_pass forward it, replaced with
ngx.req.set_body_data() when the KMS key is added; or it answers with a
FunctionGraph-style error.  The decision goes to X-Fgs-Policy-Decision.

What cjson cannot tell apart is not checked: duplicate keys (the last
one wins), 1024 versus 1024.0 or 1e3, escapes in keys.
]]

local cjson = require "cjson.safe"

local ngx = ngx
local re_find = ngx.re.find
local re_match = ngx.re.match
local type = type
local pairs = pairs

local _M = {}

local KMS_KEY = "5f0c4b1e-7d2a-4c3e-9b1f-0a2b3c4d5e6f"
local RUNTIMES = {
    ["Python3.10"] = true, ["Python3.12"] = true,
    ["Java17"] = true, ["Node.js20.15"] = true,
}
local MEMORY_MAX = 2048
local VPC_IDS = { ["vpc-0a1b2c"] = true }
local PROD = [[^prod-]]
local OBS_URL = [[^https://corp-fgs-code\.obs\.[a-z0-9-]+\.myhuaweicloud\.com/]]
local SECRETS = [[(secret|password|\bsk\b)]]

-- EXC-142: runtime-allowlist is waived for legacy-billing until then
local EXC_142 = [[^legacy-billing$]]
local EXC_142_EXPIRES = 1806451200      -- 2027-03-31T00:00:00Z

local ID = "[A-Za-z0-9_-]+"
local PROJECT = "[A-Za-z0-9]{32}"
local FUNCTION_PATH = "^/v2/(" .. PROJECT .. ")/fgs/functions/urn:fss:"
    .. ID .. ":(" .. PROJECT .. "):function:(" .. ID .. "):(" .. ID
    .. ")(?::" .. ID .. ")?/(code|config)$"
local CREATE_PATH = "^/v2/" .. PROJECT .. "/fgs/functions$"
local INVOKE_PATH = [[/invocations(-async)?$]]
-- what a lenient router could still read as a governed path
local LOOKALIKE_PATH = [[^/v2/[^/]+/fgs/functions(/[^/]+/(code|config))?/*$]]
local CANONICAL_PATH = [[^/v2/[^/]+/fgs/functions(/[^/]+/(code|config))?$]]
local JSON_TYPE = [[^application/json\s*(;\s*charset="?utf-8"?\s*)?$]]

-- keys a "smart" backend could read as a field the policy checks
-- (Memory_Size, memorySize, memory-size): rejected like the module does
local WATCHED = {
    "func_name", "runtime", "memory_size", "gpu_memory", "func_vpc",
    "code_encrypt_kms_key_id", "code_type", "code_url", "user_data",
}
local WATCHED_VPC = { "vpc_id", "subnet_id" }

cjson.decode_invalid_numbers(false)
cjson.decode_max_depth(64)


local function fold(key)
    return (key:lower():gsub("[_-]", ""))
end


local function folded(fields)
    local t = {}
    for _, f in ipairs(fields) do
        t[fold(f)] = f
    end
    return t
end

local WATCHED_FOLDED = folded(WATCHED)
local WATCHED_VPC_FOLDED = folded(WATCHED_VPC)


local function lookalike(obj, fields)
    for key in pairs(obj) do
        if type(key) ~= "string" then
            return tostring(key)
        end
        local f = fields[fold(key)]
        if f and f ~= key then
            return key
        end
    end
    return nil
end


local function reply(status, code, msg, violations)
    -- a denial is worth a line in the error log, as the module writes
    ngx.log(ngx.WARN, "fgs_policy: ", status, " ", code, ": ", msg)

    ngx.status = status
    ngx.header["Content-Type"] = "application/json"
    ngx.header["X-Fgs-Policy-Decision"] = status == 403 and "deny" or "error"
    ngx.print(cjson.encode({ error_code = code, error_msg = msg,
                             violations = violations }))
    return ngx.exit(status)
end


local function is_integer(v)
    return type(v) == "number" and v == math.floor(v)
end


-- the field whose type is wrong, or nil
local function type_error(b)
    if b.runtime ~= nil and type(b.runtime) ~= "string" then
        return "runtime"
    end
    if b.memory_size ~= nil and not is_integer(b.memory_size) then
        return "memory_size"
    end
    if b.gpu_memory ~= nil and b.gpu_memory ~= cjson.null
       and not is_integer(b.gpu_memory)
    then
        return "gpu_memory"
    end
    local v = b.func_vpc
    if v ~= nil then
        if type(v) ~= "table" or v[1] ~= nil then
            return "func_vpc"
        end
        if v.vpc_id ~= nil and type(v.vpc_id) ~= "string" then
            return "func_vpc.vpc_id"
        end
        if v.subnet_id ~= nil and type(v.subnet_id) ~= "string" then
            return "func_vpc.subnet_id"
        end
    end
    for _, f in ipairs({ "code_encrypt_kms_key_id", "code_type", "code_url",
                         "user_data" })
    do
        if b[f] ~= nil and type(b[f]) ~= "string" then
            return f
        end
    end
    return nil
end


-- the rules: returns the violations, the audited rules and whether the
-- KMS key has to be added
local function evaluate(op, fn, b)
    local v, audited, kms = {}, {}, false

    local function violation(rule, field, msg)
        v[#v + 1] = { rule = rule, field = field, message = msg }
    end

    if op == "config" or op == "create" then
        local waived = re_find(fn, EXC_142, "jo")
                       and ngx.time() < EXC_142_EXPIRES

        if not waived and b.runtime ~= nil and not RUNTIMES[b.runtime] then
            violation("runtime-allowlist", "runtime",
                      'runtime "' .. b.runtime .. '" is not allowed')
        end

        if b.memory_size ~= nil and b.memory_size > MEMORY_MAX then
            violation("memory-limit", "memory_size",
                      "memory_size is above " .. MEMORY_MAX)
        end

        if b.gpu_memory ~= nil then
            violation("memory-limit", "gpu_memory", "gpu_memory is forbidden")
        end

        if re_find(fn, PROD, "jo") then
            local vpc = b.func_vpc or {}

            if vpc.vpc_id == nil then
                violation("vpc-required", "func_vpc.vpc_id",
                          "func_vpc.vpc_id is required")
            elseif not VPC_IDS[vpc.vpc_id] then
                violation("vpc-required", "func_vpc.vpc_id",
                          "func_vpc.vpc_id is not allowed")
            end

            if vpc.subnet_id == nil then
                violation("vpc-required", "func_vpc.subnet_id",
                          "func_vpc.subnet_id is required")
            end
        end
    end

    -- kms-default: set_default first, then the check on the result
    if b.code_encrypt_kms_key_id == nil then
        kms = true
    elseif b.code_encrypt_kms_key_id ~= KMS_KEY then
        violation("kms-default", "code_encrypt_kms_key_id",
                  "code_encrypt_kms_key_id is not allowed")
    end

    if op == "code" and b.code_type == "obs"
       and not re_find(b.code_url or "", OBS_URL, "jo")
    then
        violation("code-from-approved-obs", "code_url",
                  "code_url is not an approved OBS bucket")
    end

    if type(b.user_data) == "string"
       and re_find(b.user_data, SECRETS, "ijo")
    then
        audited[#audited + 1] = "no-plaintext-secrets"
    end

    return v, audited, kms
end


-- adds the KMS key as the object's first member: the rest of the body is
-- forwarded byte for byte
local function with_kms_key(text)
    local i = text:find("{", 1, true)
    local rest = text:sub(i + 1)
    local member = '"code_encrypt_kms_key_id":"' .. KMS_KEY .. '"'
    local sep = rest:find("^%s*}") and "" or ","
    return "{" .. member .. sep .. rest
end


function _M.access()
    local uri = ngx.var.uri
    local method = ngx.req.get_method()
    local op, fn

    if uri:sub(1, 4) ~= "/v2/" then
        return
    end

    local m = re_match(uri, FUNCTION_PATH, "jo")

    if m and method == "PUT" then
        if m[1] ~= m[2] then
            return reply(400, "FGSPOL.4002",
                         "the function URN belongs to another project")
        end
        op = m[5]
        fn = m[4]

    elseif method == "POST" and re_find(uri, CREATE_PATH, "jo") then
        op = "create"

    elseif method == "GET" or method == "HEAD"
           or (method == "POST" and re_find(uri, INVOKE_PATH, "jo"))
    then
        return

    elseif re_find(uri, LOOKALIKE_PATH, "ijo")
           and not re_find(uri, CANONICAL_PATH, "jo")
    then
        return reply(400, "FGSPOL.4002", "the request target is not canonical")

    else
        -- other_writes: audit
        ngx.header["X-Fgs-Policy-Decision"] = "audit"
        return
    end

    local h = ngx.req.get_headers()
    local ct = h["content-type"]

    if type(ct) ~= "string" or not re_find(ct, JSON_TYPE, "ijo") then
        return reply(415, "FGSPOL.4150",
                     "Content-Type must be application/json")
    end

    local ce = h["content-encoding"]

    if ce ~= nil and (type(ce) ~= "string" or ce:lower() ~= "identity") then
        return reply(415, "FGSPOL.4150", "Content-Encoding is not supported")
    end

    ngx.req.read_body()

    local text = ngx.req.get_body_data()

    if text == nil then
        if ngx.req.get_body_file() ~= nil then
            return reply(413, "FGSPOL.4130", "the body is too large")
        end
        text = ""
    end

    local body = cjson.decode(text)

    if type(body) ~= "table" or body[1] ~= nil
       or not text:find("^%s*{")
    then
        return reply(400, "FGSPOL.4000", "the body is not one JSON object")
    end

    local bad = lookalike(body, WATCHED_FOLDED)

    if bad == nil and type(body.func_vpc) == "table" then
        bad = lookalike(body.func_vpc, WATCHED_VPC_FOLDED)
    end

    if bad ~= nil then
        return reply(400, "FGSPOL.4001", 'unknown field "' .. bad .. '"')
    end

    bad = type_error(body)

    if bad ~= nil then
        return reply(400, "FGSPOL.4001", bad .. " has the wrong type")
    end

    if op == "create" then
        fn = type(body.func_name) == "string" and body.func_name or ""
    end

    local violations, audited, kms = evaluate(op, fn, body)

    if #violations > 0 then
        return reply(403, "FGSPOL.4030", "denied by policy: "
                     .. violations[1].rule .. ": " .. violations[1].message,
                     violations)
    end

    if not kms then
        ngx.header["X-Fgs-Policy-Decision"] = #audited > 0 and "audit"
                                              or "allow"
        return
    end

    local auth = h["authorization"]

    if type(auth) == "string" and auth:find("SDK-HMAC-SHA256", 1, true) == 1
       and h["x-sdk-content-sha256"] ~= "UNSIGNED-PAYLOAD"
    then
        return reply(403, "FGSPOL.4031",
                     "the body is signed: set code_encrypt_kms_key_id yourself")
    end

    ngx.req.set_body_data(with_kms_key(text))
    ngx.header["X-Fgs-Policy-Decision"] = "rewrite"
end


return _M
