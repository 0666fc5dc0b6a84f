using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Chat.ServiceDefaults;

/// <summary>
/// Which exceptions at start mean "the configuration is wrong", and how to say so in one line that
/// names the setting: a <see cref="StartupException"/>, a failed options validation, or a value the
/// configuration binder could not convert. Anything else is a bug, and keeps its stack trace.
/// </summary>
public static partial class StartupFailure
{
    /// <summary>The one-line reason, or null when <paramref name="e"/> is not a configuration failure.</summary>
    public static string? Describe(Exception e) => e switch
    {
        StartupException startup => startup.Message,
        OptionsValidationException invalid => Describe(invalid),
        AggregateException { InnerExceptions.Count: > 0 } all when all.InnerExceptions.All(inner => Describe(inner) is not null) =>
            string.Join("; ", all.InnerExceptions.Select(inner => Describe(inner)!).Distinct()),
        // "Failed to convert configuration value 'x' at 'Realtime:OutgoingQueueLimit' to type 'System.Int32'."
        InvalidOperationException { Source: "Microsoft.Extensions.Configuration.Binder" } binding => OneLine(binding.Message),
        _ => null,
    };

    private static string Describe(OptionsValidationException e)
    {
        var section = e.OptionsType.GetField("Section")?.GetRawConstantValue() as string;
        return string.Join("; ", e.Failures.Select(failure => Setting(section, failure)).Distinct());
    }

    /// <summary>
    /// A data-annotation failure names the property and the rule ("DataAnnotation validation failed
    /// for 'RealtimeOptions' members: 'OutgoingQueueLimit' with the error: 'The field … must be
    /// between 1 and …'."): said as the operator sets it, <c>Realtime:OutgoingQueueLimit: …</c>.
    /// Other failures are written to name their setting already.
    /// </summary>
    private static string Setting(string? section, string failure)
    {
        var match = DataAnnotationFailure().Match(failure);
        if (!match.Success)
        {
            return OneLine(failure);
        }
        var members = match.Groups["members"].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(member => section is null ? member : $"{section}:{member}");
        return OneLine($"{string.Join(", ", members)}: {match.Groups["error"].Value}");
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ");

    [GeneratedRegex(@"^DataAnnotation validation failed for '[^']*' members: '(?<members>[^']*)' with the error: '(?<error>.*)'\.$", RegexOptions.Singleline)]
    private static partial Regex DataAnnotationFailure();
}
