using Chat.UserService.Login;

namespace Chat.UserService.Grpc;

public static class UserGrpcExtensions
{
    public static IHostApplicationBuilder AddUserApi(this IHostApplicationBuilder builder)
    {
        var throttle = builder.Configuration.GetSection(LoginThrottleOptions.Section).Get<LoginThrottleOptions>() ?? new LoginThrottleOptions();
        builder.Services.AddSingleton(throttle);
        builder.Services.AddSingleton<LoginThrottle>();
        builder.Services.AddSingleton<LoginMetrics>();
        return builder;
    }

    public static WebApplication MapUserApi(this WebApplication app)
    {
        app.MapGrpcService<UserGrpcService>();
        return app;
    }
}
