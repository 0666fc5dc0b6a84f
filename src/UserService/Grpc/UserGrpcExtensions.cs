using Microsoft.Extensions.Options;
using Chat.UserService.Login;

namespace Chat.UserService.Grpc;

public static class UserGrpcExtensions
{
    public static IHostApplicationBuilder AddUserApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<LoginThrottleOptions>().BindConfiguration(LoginThrottleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IOptions<LoginThrottleOptions>>().Value);
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
