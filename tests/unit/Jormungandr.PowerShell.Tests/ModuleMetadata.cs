using System.Reflection;
using System.Runtime.InteropServices;

namespace Jormungandr.Tests;

/// <summary>What the built Jormungandr.dll declares, read by metadata only (no PowerShell needed).</summary>
internal sealed record CmdletInfo(
    string TypeName,
    string Verb,
    string Noun,
    bool SupportsShouldProcess,
    string? ConfirmImpact,
    string? DefaultParameterSetName,
    IReadOnlyList<string> OutputTypes,
    IReadOnlyList<ParameterInfoRecord> Parameters)
{
    public string Name => Verb + "-" + Noun;

    /// <summary>Named sets, or just __AllParameterSets when the cmdlet has none.</summary>
    public IReadOnlyList<string> ParameterSets
    {
        get
        {
            List<string> named = [.. Parameters.SelectMany(p => p.Sets).Select(s => s.SetName).Where(n => n != ModuleMetadata.AllSets).Distinct().Order(StringComparer.Ordinal)];
            return named.Count == 0 ? [ModuleMetadata.AllSets] : named;
        }
    }

    /// <summary>The parameters available in a set, each with the attribute that applies there.</summary>
    public IEnumerable<(ParameterInfoRecord Parameter, ParameterSetRecord Set)> In(string set) =>
        Parameters.SelectMany(p => p.Sets.Where(s => s.SetName == set || s.SetName == ModuleMetadata.AllSets).Take(1).Select(s => (p, s)));
}

/// <summary>One [Parameter] property.</summary>
internal sealed record ParameterInfoRecord(string Name, string TypeName, IReadOnlyList<string> Aliases, IReadOnlyList<ParameterSetRecord> Sets);

/// <summary>One [Parameter(...)] attribute of a property.</summary>
internal sealed record ParameterSetRecord(string SetName, bool Mandatory, int? Position, bool ByValue, bool ByPropertyName);

internal static class ModuleMetadata
{
    public const string AllSets = "__AllParameterSets";
    private const string Sma = "System.Management.Automation.";

    private static readonly Lazy<(MetadataLoadContext Context, Assembly Module)> Loaded = new(Load);

    public static Assembly Module => Loaded.Value.Module;

    public static MetadataLoadContext Context => Loaded.Value.Context;

    /// <summary>Jormungandr.dll as built beside the tests (the same file the module layout copies).</summary>
    public static string ModulePath => Path.Combine(AppContext.BaseDirectory, "Jormungandr.dll");

    public static Assembly Automation => Context.LoadFromAssemblyName("System.Management.Automation");

    public static IReadOnlyList<CmdletInfo> Cmdlets { get; } = ReadCmdlets();

    /// <summary>A type of the module, of Jormungandr.Core or of PowerShell, by full name.</summary>
    public static Type FindType(string fullName) =>
        Module.GetType(fullName)
        ?? Context.LoadFromAssemblyName("Jormungandr.Core").GetType(fullName)
        ?? Automation.GetType(fullName)
        ?? throw new InvalidOperationException($"type {fullName} not found");

    private static (MetadataLoadContext, Assembly) Load()
    {
        List<string> paths = [.. Directory.GetFiles(RuntimeEnvironment.GetRuntimeDirectory(), "*.dll")];
        // The real engine the module is compiled against (Microsoft.PowerShell.SDK keeps it under runtimes/).
        string[] testOutput = [typeof(System.Management.Automation.PSCmdlet).Assembly.Location, .. Directory.GetFiles(AppContext.BaseDirectory, "*.dll")];
        foreach (string file in testOutput)
        {
            if (!paths.Any(p => Path.GetFileName(p).Equals(Path.GetFileName(file), StringComparison.OrdinalIgnoreCase)))
            {
                paths.Add(file);
            }
        }

        MetadataLoadContext context = new(new PathAssemblyResolver(paths), "System.Private.CoreLib");
        return (context, context.LoadFromAssemblyPath(ModulePath));
    }

    private static List<CmdletInfo> ReadCmdlets()
    {
        List<CmdletInfo> result = [];
        foreach (Type type in Module.GetTypes())
        {
            CustomAttributeData? cmdlet = type.GetCustomAttributesData().FirstOrDefault(a => a.AttributeType.FullName == Sma + "CmdletAttribute");
            if (cmdlet is null)
            {
                continue;
            }

            List<string> outputs = [];
            foreach (CustomAttributeData o in type.GetCustomAttributesData().Where(a => a.AttributeType.FullName == Sma + "OutputTypeAttribute"))
            {
                foreach (CustomAttributeTypedArgument arg in o.ConstructorArguments)
                {
                    if (arg.Value is IEnumerable<CustomAttributeTypedArgument> many)
                    {
                        outputs.AddRange(many.Select(m => ((Type)m.Value!).FullName!));
                    }
                    else if (arg.Value is Type t)
                    {
                        outputs.Add(t.FullName!);
                    }
                }
            }

            List<ParameterInfoRecord> parameters = [];
            foreach (PropertyInfo property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                List<ParameterSetRecord> sets = [];
                List<string> aliases = [];
                foreach (CustomAttributeData a in property.GetCustomAttributesData())
                {
                    if (a.AttributeType.FullName == Sma + "ParameterAttribute")
                    {
                        sets.Add(new ParameterSetRecord(
                            Named<string>(a, "ParameterSetName") ?? AllSets,
                            Named<bool>(a, "Mandatory"),
                            a.NamedArguments.Any(n => n.MemberName == "Position") ? Named<int>(a, "Position") : null,
                            Named<bool>(a, "ValueFromPipeline"),
                            Named<bool>(a, "ValueFromPipelineByPropertyName")));
                    }
                    else if (a.AttributeType.FullName == Sma + "AliasAttribute")
                    {
                        foreach (CustomAttributeTypedArgument arg in a.ConstructorArguments)
                        {
                            aliases.AddRange(((IEnumerable<CustomAttributeTypedArgument>)arg.Value!).Select(v => (string)v.Value!));
                        }
                    }
                }

                if (sets.Count > 0)
                {
                    parameters.Add(new ParameterInfoRecord(property.Name, ShortTypeName(property.PropertyType), aliases, sets));
                }
            }

            result.Add(new CmdletInfo(
                type.FullName!,
                (string)cmdlet.ConstructorArguments[0].Value!,
                (string)cmdlet.ConstructorArguments[1].Value!,
                Named<bool>(cmdlet, "SupportsShouldProcess"),
                cmdlet.NamedArguments.FirstOrDefault(n => n.MemberName == "ConfirmImpact").TypedValue.Value?.ToString(),
                Named<string>(cmdlet, "DefaultParameterSetName"),
                outputs,
                parameters));
        }

        return result;
    }

    /// <summary>The type as Get-Help shows it: String, Int32, String[], SecureString, SwitchParameter.</summary>
    public static string ShortTypeName(Type type)
    {
        if (type.IsArray)
        {
            return ShortTypeName(type.GetElementType()!) + "[]";
        }

        if (type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1")
        {
            return ShortTypeName(type.GetGenericArguments()[0]);
        }

        return type.Name;
    }

    private static T? Named<T>(CustomAttributeData a, string name)
    {
        foreach (CustomAttributeNamedArgument n in a.NamedArguments)
        {
            if (n.MemberName == name)
            {
                return (T?)n.TypedValue.Value;
            }
        }

        return default;
    }
}
