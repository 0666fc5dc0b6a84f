namespace Chat.Edge.Auth;

/// <summary>
/// Guards an HTTP endpoint with a bearer token: 401 without a valid one, 503 when UserService
/// cannot say. The handler finds the user with <see cref="User"/>.
/// </summary>
public static class RequireBearerUserExtensions
{
    private const string ItemKey = "chat.user";

    public static RouteHandlerBuilder RequireBearerUser(this RouteHandlerBuilder endpoint) =>
        endpoint.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var validator = http.RequestServices.GetRequiredService<TokenValidator>();
            var check = await validator.ValidateAsync(BearerToken.From(http.Request, allowQuery: false), http.RequestAborted);
            if (check.User is null)
            {
                return check.Unavailable ? Problems.UserServiceUnavailable() : Problems.Unauthenticated(http);
            }
            http.Items[ItemKey] = check.User;
            return await next(context);
        });

    /// <summary>The user of a request that passed <see cref="RequireBearerUser"/>.</summary>
    public static AuthenticatedUser User(this HttpContext http) =>
        http.Items[ItemKey] as AuthenticatedUser ?? throw new InvalidOperationException("the endpoint lacks RequireBearerUser()");
}
