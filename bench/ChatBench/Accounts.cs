using Chat.Contracts.User.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Chat.Bench;

/// <summary>Registers the benchmark's users through UserService's own Register, a few at a time (each hashes a password).</summary>
internal static class Accounts
{
    public static async Task RegisterAsync(Uri userService, IEnumerable<string> usernames)
    {
        using var channel = GrpcChannel.ForAddress(userService);
        var client = new UserService.UserServiceClient(channel);
        await Parallel.ForEachAsync(usernames, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount * 2 }, async (name, cancellationToken) =>
        {
            await client.RegisterAsync(new RegisterRequest { Username = name, Password = "benchmark password" },
                new CallOptions(deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: cancellationToken));
        });
    }
}
