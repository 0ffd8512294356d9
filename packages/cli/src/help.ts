import { Help, type HelpConfiguration, type Option } from 'commander'

/**
 * Help settings for every command. Commander lists a `requiredOption` like any other option, so
 * without the "(required)" mark the help hides that the command refuses to run without it.
 */
export const helpConfig: HelpConfiguration = {
  optionDescription(this: Help, option: Option): string {
    const text = Help.prototype.optionDescription.call(this, option)
    return option.mandatory ? `${text} (required)` : text
  },
}
