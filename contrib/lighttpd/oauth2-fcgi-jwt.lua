-- oauth2-fcgi-jwt.lua - for lighttpd's mod_magnet (package
-- lighttpd-modules-lua): hands the signed identity (identity_token: in
-- oauth.yml; the authorizer's Variable-OAUTH2_JWT) to a proxied
-- application as the request header X-Auth-Request-Jwt. lighttpd passes an
-- authorizer's variables to CGI/FastCGI/SCGI backends only, and cannot put
-- a variable into a request header by configuration. Without a token (no
-- session, a public path, identity_token off) the header is removed, so a
-- client's own X-Auth-Request-Jwt never reaches the application.
local jwt = lighty.r.req_env["OAUTH2_JWT"]
if jwt and jwt ~= "" then
    lighty.r.req_header["X-Auth-Request-Jwt"] = jwt
else
    lighty.r.req_header["X-Auth-Request-Jwt"] = nil
end
return 0
