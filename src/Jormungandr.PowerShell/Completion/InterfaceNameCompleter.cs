using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;

namespace Jormungandr.PowerShell.Completion;

/// <summary>Tab completion for -InterfaceName: snk* interfaces and running tunnels' status sockets.</summary>
public sealed class InterfaceNameCompleter : IArgumentCompleter
{
    /// <summary>Returns the interface names that start with <paramref name="wordToComplete"/>.</summary>
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        List<CompletionResult> results = [];
        foreach (string name in CompletionMatch.Filter(InterfaceNames.Find(), wordToComplete))
        {
            results.Add(new CompletionResult(CompletionMatch.Quote(name), name, CompletionResultType.ParameterValue, "Tunnel interface " + name));
        }

        return results;
    }
}
