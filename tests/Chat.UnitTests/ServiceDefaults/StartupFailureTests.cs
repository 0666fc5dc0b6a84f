using Chat.Edge.Connections;
using Chat.Edge.Inbox;
using Chat.ServiceDefaults;
using Chat.ServiceDefaults.Grpc;
using Grpc.Health.V1;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Chat.UnitTests.ServiceDefaults;

/// <summary>
/// What an operator reads when a service refuses its configuration: one line naming the setting as
/// it is set (<c>Section:Key</c>) and what is wrong; and what is not a configuration failure.
/// </summary>
public sealed class StartupFailureTests
{
    /// <summary>What the start-up check throws for these settings (the options registered as the services register them).</summary>
    private static Exception StartWith(Dictionary<string, string?> settings, Action<IServiceCollection> register)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        register(services);
        using var provider = services.BuildServiceProvider();
        return Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IStartupValidator>().Validate());
    }

    private static void Realtime(IServiceCollection services) =>
        services.AddOptions<RealtimeOptions>().BindConfiguration(RealtimeOptions.Section).ValidateDataAnnotations().ValidateOnStart();

    [Fact]
    public void A_value_out_of_range_is_named_as_the_operator_sets_it()
    {
        var failure = StartWith(new() { ["Realtime:OutgoingQueueLimit"] = "0" }, Realtime);

        Assert.Equal("Realtime:OutgoingQueueLimit: The field OutgoingQueueLimit must be between 1 and 2147483647.", StartupFailure.Describe(failure));
    }

    [Fact]
    public void Failures_of_several_options_are_all_named_on_one_line()
    {
        var failure = StartWith(new() { ["Realtime:Burst"] = "0", ["Realtime:DeliveryMarkFlushInterval"] = "00:00:00" }, services =>
        {
            Realtime(services);
            services.AddOptions<DeliveryMarkOptions>().BindConfiguration(DeliveryMarkOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        });

        var line = StartupFailure.Describe(failure);
        Assert.NotNull(line);
        Assert.Contains("Realtime:Burst: ", line, StringComparison.Ordinal);
        Assert.Contains("Realtime:DeliveryMarkFlushInterval: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public void A_value_of_the_wrong_type_names_the_setting()
    {
        var failure = StartWith(new() { ["Realtime:OutgoingQueueLimit"] = "lots" }, Realtime);

        Assert.Contains("Realtime:OutgoingQueueLimit", StartupFailure.Describe(failure), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("chat-service:5001")]
    [InlineData("not an address")]
    public void A_service_address_a_channel_cannot_use_is_refused_with_what_it_is(string? address)
    {
        var failure = StartWith(new() { ["Services:ChatService"] = address, ["Services:UserService"] = "http://127.0.0.1:5002" },
            services => services.AddInternalGrpcClient<Health.HealthClient>(InternalService.ChatService));

        Assert.Equal(
            $"Services:ChatService must be the service's gRPC address (http://host:port or consul://name); it is '{address}'",
            StartupFailure.Describe(failure));
    }

    [Fact]
    public void A_call_timeout_that_is_no_time_is_refused()
    {
        var failure = StartWith(new() { ["Services:ChatService"] = "consul://chat-service", ["Services:CallTimeout"] = "00:00:00" },
            services => services.AddInternalGrpcClient<Health.HealthClient>(InternalService.ChatService));

        Assert.StartsWith("Services:CallTimeout: ", StartupFailure.Describe(failure), StringComparison.Ordinal);
    }

    [Fact]
    public void A_StartupException_says_what_it_says_and_a_bug_is_no_configuration_failure()
    {
        Assert.Equal("Jwt:SigningKey is missing.", StartupFailure.Describe(new StartupException("Jwt:SigningKey is missing.")));
        Assert.Null(StartupFailure.Describe(new InvalidOperationException("a bug")));
        Assert.Null(StartupFailure.Describe(new AggregateException(new StartupException("fine"), new NullReferenceException())));
    }
}
