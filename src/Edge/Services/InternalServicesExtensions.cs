using Chat.Contracts.Chat.V1;
using Chat.Contracts.User.V1;

namespace Chat.Edge.Services;

/// <summary>The gRPC clients of the internal services, at the addresses configuration gives.</summary>
public static class InternalServicesExtensions
{
    public static IHostApplicationBuilder AddInternalServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddGrpcClient<UserService.UserServiceClient>(o => o.Address = Address(builder, "UserService"));
        builder.Services.AddGrpcClient<ChatService.ChatServiceClient>(o => o.Address = Address(builder, "ChatService"));
        return builder;
    }

    private static Uri Address(IHostApplicationBuilder builder, string service) =>
        new(builder.Configuration[$"Services:{service}"] ?? throw new InvalidOperationException($"Services:{service} is not configured."));
}
