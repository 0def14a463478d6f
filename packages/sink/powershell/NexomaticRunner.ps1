<#
.SYNOPSIS
  The Nexomatic PowerShell runner: a long-lived worker process of the sink's PowerShell executor.

.DESCRIPTION
  Reads one command per line (JSON) from stdin and runs the task's module:
    - a .ps1 script, called with -Context, -Payload and -Params; its pipeline output is the result;
    - a .psm1 module, imported once per worker, whose exported Run function is called with
      -Context, -Payload and -Params.
  Messages go back as JSON lines on stdout, each prefixed with the marker "<RS>@nexomatic:msg:";
  any other stdout line (Write-Host, [Console]::WriteLine) is raw log output of the task, and
  stderr lines are its error output. Same message shapes as the Python runner.
  Module roots come from NEXOMATIC_MODULE_ROOTS. PowerShell 7 or newer.
#>
$script:EndMark = [string][char]0x1e + '@nexomatic:end:'
$script:MsgMark = [string][char]0x1e + '@nexomatic:msg:'
$script:In = [Console]::In
$script:Out = [Console]::Out
$script:Modules = @{}

function Send-RunnerMessage([hashtable]$Message) {
  $json = ConvertTo-Json -InputObject $Message -Depth 64 -Compress
  $script:Out.WriteLine($script:MsgMark + $json)
  $script:Out.Flush()
}

function Read-RunnerCommand {
  while ($true) {
    $line = $script:In.ReadLine()
    if ($null -eq $line) { return $null }
    if ($line.Trim()) { return ConvertFrom-Json -InputObject $line -AsHashtable -Depth 64 }
  }
}

function Send-RunnerLog([string]$Id, [string]$Level, [string]$Message, [hashtable]$Fields) {
  $record = @{ type = 'log'; id = $Id; level = $Level; message = $Message; time = [DateTime]::UtcNow.ToString('o') }
  if ($Fields -and $Fields.Count -gt 0) { $record.fields = $Fields }
  Send-RunnerMessage $record
}

function New-RunnerError([string]$Code, [string]$Message) {
  $exception = [System.Exception]::new($Message)
  $exception.Data['code'] = $Code
  return $exception
}

function New-RunnerContext([string]$Id, [hashtable]$Task) {
  # Literal script blocks: bound to this script, so they reach its functions from any module.
  $log = [pscustomobject]@{ RunId = $Id }
  $log | Add-Member -MemberType ScriptMethod -Name Debug -Value { param([string]$Message, [hashtable]$Fields) Send-RunnerLog $this.RunId 'debug' $Message $Fields }
  $log | Add-Member -MemberType ScriptMethod -Name Info -Value { param([string]$Message, [hashtable]$Fields) Send-RunnerLog $this.RunId 'info' $Message $Fields }
  $log | Add-Member -MemberType ScriptMethod -Name Warning -Value { param([string]$Message, [hashtable]$Fields) Send-RunnerLog $this.RunId 'warning' $Message $Fields }
  $log | Add-Member -MemberType ScriptMethod -Name Error -Value { param([string]$Message, [hashtable]$Fields) Send-RunnerLog $this.RunId 'error' $Message $Fields }
  $context = [pscustomobject]@{
    Task     = [pscustomobject]$Task
    Log      = $log
    Warnings = [System.Collections.Generic.List[string]]::new()
    RunId    = $Id
    Requests = 0
    # W3C trace context of the task's run span ($null when the task is not traced).
    Traceparent = $Task.traceparent
    Tracestate  = $Task.tracestate
  }
  $context | Add-Member -MemberType ScriptMethod -Name Warn -Value {
    param([string]$Message)
    $this.Warnings.Add($Message)
  }
  $context | Add-Member -MemberType ScriptMethod -Name Secret -Value {
    param([string]$Key)
    $this.Requests += 1
    $requestId = $this.Requests
    Send-RunnerMessage @{ type = 'secret'; id = $this.RunId; requestId = $requestId; key = $Key }
    while ($true) {
      $reply = Read-RunnerCommand
      if ($null -eq $reply) { throw (New-RunnerError 'CLOSED' "secret ${Key}: the sink closed") }
      if ($reply.type -eq 'secret-reply' -and $reply.requestId -eq $requestId) { break }
    }
    if ($reply.ContainsKey('value') -and $reply.value -is [string]) { return $reply.value }
    $problem = if ($reply.ContainsKey('error')) { $reply.error } else { @{} }
    $code = if ($problem.code) { [string]$problem.code } else { 'FORBIDDEN' }
    $text = if ($problem.message) { [string]$problem.message } else { "secret $Key refused" }
    throw (New-RunnerError $code $text)
  }
  return $context
}

function Get-ErrorData($ErrorRecord) {
  $exception = $ErrorRecord.Exception
  while ($exception -is [System.Management.Automation.RuntimeException] -and $exception.InnerException -and -not $exception.Data.Contains('code')) {
    $exception = $exception.InnerException
  }
  $code = $null
  if ($exception.Data.Contains('code')) { $code = [string]$exception.Data['code'] }
  elseif ($exception.PSObject.Properties['Code'] -and $exception.Code -is [string]) { $code = $exception.Code }
  if (-not $code) { $code = 'MODULE_ERROR' }
  $data = @{
    code    = $code
    message = [string]$exception.Message
    details = @{ exception = $exception.GetType().FullName; traceback = [string]$ErrorRecord.ScriptStackTrace }
  }
  if ($exception.Data.Contains('retryable') -and $exception.Data['retryable'] -eq $false) { $data.retryable = $false }
  return $data
}

function Invoke-RunnerTask([hashtable]$Command) {
  $context = New-RunnerContext $Command.id $Command.task
  $done = @{ type = 'done'; id = $Command.id; result = $null; error = $null; warnings = $context.Warnings }
  $arguments = @{ Context = $context; Payload = $Command.payload; Params = $Command.params }
  try {
    if ($Command.file.EndsWith('.psm1')) {
      if (-not $script:Modules.ContainsKey($Command.file)) {
        $script:Modules[$Command.file] = Import-Module -Name $Command.file -PassThru -Force -DisableNameChecking -ErrorAction Stop
      }
      $run = $script:Modules[$Command.file].ExportedCommands['Run']
      if (-not $run) {
        $done.error = @{ code = 'MODULE_ERROR'; message = "module $($Command.module) ($($Command.file)) exports no Run function" }
        return $done
      }
      $output = @(& $run @arguments)
    }
    else {
      $output = @(& $Command.file @arguments)
    }
  }
  catch {
    $done.error = Get-ErrorData $_
    return $done
  }
  $value = if ($output.Count -eq 0) { $null } elseif ($output.Count -eq 1) { $output[0] } else { $output }
  try {
    $null = ConvertTo-Json -InputObject $value -Depth 64 -Compress -ErrorAction Stop
  }
  catch {
    $done.error = @{ code = 'RESULT_NOT_JSON'; message = "module $($Command.module) returned a value that is not JSON: $($_.Exception.Message)" }
    return $done
  }
  $done.result = $value
  return $done
}

$ErrorActionPreference = 'Continue'
Send-RunnerMessage @{ type = 'ready'; version = $PSVersionTable.PSVersion.ToString() }
while ($true) {
  $command = Read-RunnerCommand
  if ($null -eq $command) { break }
  if ($command.type -ne 'run') { continue }
  $done = Invoke-RunnerTask $command
  $script:Out.WriteLine($script:EndMark + $command.id)
  $script:Out.Flush()
  [Console]::Error.WriteLine($script:EndMark + $command.id)
  [Console]::Error.Flush()
  Send-RunnerMessage $done
}
