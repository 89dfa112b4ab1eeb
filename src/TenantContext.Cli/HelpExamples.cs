using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Runtime.CompilerServices;

namespace Tenancy.Cli;

/// <summary>Examples shown under every command's <c>--help</c> (a test checks that every command has at least one).</summary>
internal static class HelpExamples
{
    private static readonly ConditionalWeakTable<Command, string[]> s_examples = new();

    public static Command WithExamples(this Command command, params string[] examples)
    {
        s_examples.AddOrUpdate(command, examples);
        return command;
    }

    public static IReadOnlyList<string> Of(Command command) => s_examples.TryGetValue(command, out var examples) ? examples : [];

    /// <summary>Replaces the root's help action with one that prints the default help, then the command's examples.</summary>
    public static void Install(RootCommand root)
    {
        foreach (var option in root.Options)
        {
            if (option is HelpOption { Action: HelpAction inner } help)
            {
                help.Action = new ExamplesHelpAction(inner);
            }
        }
    }

    private sealed class ExamplesHelpAction : SynchronousCommandLineAction
    {
        private readonly HelpAction _inner;

        public ExamplesHelpAction(HelpAction inner) => _inner = inner;

        public override int Invoke(ParseResult parseResult)
        {
            int code = _inner.Invoke(parseResult);
            var examples = Of(parseResult.CommandResult.Command);
            if (examples.Count > 0)
            {
                var output = parseResult.InvocationConfiguration.Output;
                output.WriteLine("Examples:");
                foreach (var example in examples)
                {
                    output.WriteLine("  " + example);
                }

                output.WriteLine();
            }

            return code;
        }
    }
}
