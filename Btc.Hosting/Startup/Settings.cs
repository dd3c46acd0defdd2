using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Btc.Hosting.Startup;

/// <summary>
/// Settings classes bound to a configuration section and checked before the host starts. The section each class is
/// bound to is kept, so that a bad setting is named by the variable a user sets (Api__Burst), not by its class.
/// </summary>
public static class Settings
{
    // A class's section is a fact about the class, the same in every host a process builds.
    private static readonly ConcurrentDictionary<Type, string> Sections = new();

    /// <summary>
    /// <typeparamref name="T"/> bound to <paramref name="section"/>, checked by its annotations at start.
    /// </summary>
    public static OptionsBuilder<T> BindValidated<T>(this IServiceCollection services, string section)
        where T : class
    {
        Sections[typeof(T)] = section;
        return services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations().ValidateOnStart();
    }

    /// <summary>The section <paramref name="type"/> is bound to by <see cref="BindValidated{T}"/>, if it is.</summary>
    public static string? SectionOf(Type type) => Sections.GetValueOrDefault(type);

    /// <summary>
    /// Checks every settings class registered with ValidateOnStart, before the host starts: a bad setting then fails
    /// here, as an exception the caller turns into sentences (<see cref="StartupError"/>), rather than inside the
    /// host, which logs it with a stack trace. Several bad classes come as one AggregateException.
    /// </summary>
    public static THost ValidateSettings<THost>(this THost host)
        where THost : IHost
    {
        host.Services.GetService<IStartupValidator>()?.Validate();
        return host;
    }
}
