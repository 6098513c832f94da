using Jormungandr.Commands;

namespace Jormungandr.Service;

/// <summary>Reports a tunnel's service unit (<see cref="SnekServiceStatus"/>): installed, current, enabled, and systemd's view when it runs.</summary>
public sealed class GetServiceCommand : ISnekCommand<ServiceOptions>
{
    private readonly IServiceManager _manager;

    /// <summary>Creates the command over <paramref name="manager"/> (the machine's systemd when null).</summary>
    public GetServiceCommand(IServiceManager? manager = null)
    {
        _manager = manager ?? Systemd.Instance;
    }

    /// <inheritdoc />
    public Task ExecuteAsync(ServiceOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        string expected = ServiceUnit.Render(options.Role, options.Executable ?? ServiceUnit.DefaultExecutable());
        output.WriteObject(SnekServiceStatus.Read(options, _manager, expected));
        return Task.CompletedTask;
    }
}
