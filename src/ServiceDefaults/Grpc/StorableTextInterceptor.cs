using System.Collections;
using Chat.Contracts;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Core.Interceptors;

namespace Chat.ServiceDefaults.Grpc;

/// <summary>
/// Every string of every request, however deep (nested messages, repeated fields, maps), must be
/// text a service can keep (<see cref="StorableText"/>): otherwise the call is InvalidArgument,
/// naming the field, before any handler runs. One rule at the door of every gRPC service, for
/// every caller (the Edge, grpcurl), instead of one check per handler that a new field forgets.
/// </summary>
public sealed class StorableTextInterceptor : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, context);
    }

    public override Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        Check(request);
        return continuation(request, responseStream, context);
    }

    private static void Check(object? request)
    {
        if (request is IMessage message && RefusalOf(message) is { } refusal)
        {
            throw new RpcException(refusal);
        }
    }

    /// <summary>
    /// InvalidArgument naming the first field with unstorable text; null when every string is
    /// storable. For the messages of a client stream, which a handler reads one by one.
    /// </summary>
    public static Status? RefusalOf(IMessage message) =>
        FirstUnstorableField(message) is { } field ? new Status(StatusCode.InvalidArgument, $"{field} {StorableText.Rule}") : null;

    /// <summary>The proto name of the first string field (dotted path for nested ones) that holds unstorable text; null when none does.</summary>
    internal static string? FirstUnstorableField(IMessage message)
    {
        foreach (var field in message.Descriptor.Fields.InFieldNumberOrder())
        {
            if (field.FieldType is not (FieldType.String or FieldType.Message))
            {
                continue;
            }
            var value = field.Accessor.GetValue(message);
            var found = field switch
            {
                { IsMap: true } => FirstUnstorable(((IDictionary)value).Keys, field) ?? FirstUnstorable(((IDictionary)value).Values, field),
                { IsRepeated: true } => FirstUnstorable((IList)value, field),
                _ => FirstUnstorable(value, field),
            };
            if (found is not null)
            {
                return found;
            }
        }
        return null;
    }

    private static string? FirstUnstorable(IEnumerable values, FieldDescriptor field)
    {
        foreach (var value in values)
        {
            if (FirstUnstorable(value, field) is { } found)
            {
                return found;
            }
        }
        return null;
    }

    private static string? FirstUnstorable(object? value, FieldDescriptor field) => value switch
    {
        string text when !StorableText.IsStorable(text) => field.Name,
        IMessage nested when FirstUnstorableField(nested) is { } inner => $"{field.Name}.{inner}",
        _ => null,
    };
}
