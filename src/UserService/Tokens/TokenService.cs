using Chat.Contracts;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chat.UserService.Tokens;

/// <summary>Issues ES256 access tokens and checks them: signature, algorithm, issuer, audience, lifetime.</summary>
public sealed class TokenService
{
    private readonly JwtOptions _options;
    private readonly SigningCredentials _credentials;
    private readonly TokenValidationParameters _validation;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider _clock;

    public TokenService(JwtOptions options, ECDsaSecurityKey key, TimeProvider clock)
    {
        _options = options;
        _clock = clock;
        _credentials = new SigningCredentials(key, SecurityAlgorithms.EcdsaSha256);
        _validation = new TokenValidationParameters
        {
            ValidIssuer = options.Issuer,
            ValidAudience = options.Audience,
            IssuerSigningKey = key,
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256], // no "none", no algorithm confusion
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = options.ClockSkew,
            NameClaimType = JwtRegisteredClaimNames.UniqueName,
        };
    }

    public TimeSpan Lifetime => _options.Lifetime;

    /// <summary>An access token of the user in the given session (its <c>sid</c> claim).</summary>
    public string Issue(string userId, string username, Guid sessionId)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = _options.Issuer,
            Audience = _options.Audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now + _options.Lifetime,
            SigningCredentials = _credentials,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = userId,
                [JwtRegisteredClaimNames.UniqueName] = username,
                [JwtRegisteredClaimNames.Sid] = sessionId.ToString(),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
        });
    }

    /// <summary>
    /// The token's user, session and expiry, or null for anything not a valid token of ours — a
    /// token without a session (issued before sessions existed) included: it could not be revoked.
    /// </summary>
    public async Task<ValidatedToken?> ValidateAsync(string token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > TokenLimits.MaxTokenLength)
        {
            return null;
        }
        var result = await _handler.ValidateTokenAsync(token, _validation);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }
        var userId = result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Sub)?.Value ?? jwt.Subject;
        var username = result.ClaimsIdentity.Name;
        var sessionId = result.ClaimsIdentity.FindFirst(JwtRegisteredClaimNames.Sid)?.Value;
        if (string.IsNullOrEmpty(userId) || string.IsNullOrEmpty(username) || !Guid.TryParse(sessionId, out var session))
        {
            return null;
        }
        return new ValidatedToken(userId, username, session, jwt.ValidTo);
    }
}

public sealed record ValidatedToken(string UserId, string Username, Guid SessionId, DateTime ExpiresAt);
